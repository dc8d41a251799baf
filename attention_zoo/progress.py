"""Progress bars for long work outside `fit`, silenced with `verbose=0`."""

import keras


def progress(iterable, total=None, verbose=1, unit="step"):
    """Yields from `iterable` while a `keras.utils.Progbar` shows how far it is.

    Args:
        iterable: the work items.
        total: their number; taken from `len(iterable)` when it has one.
        verbose: 1 shows the bar, 0 shows nothing.
        unit: the name of one item, shown as `unit_name` by the bar.
    """
    if total is None and hasattr(iterable, "__len__"):
        total = len(iterable)
    if not verbose:
        yield from iterable
        return
    bar = keras.utils.Progbar(total, unit_name=unit)
    for done, item in enumerate(iterable, start=1):
        yield item
        bar.update(done)
