"""The split policy every application shares.

Training data is shuffled with the run's seed. The test examples are, in
order of preference: all of a separate held-out source (`test_data`), the
source's own test split, or a seeded `test_fraction` of the shuffled
training examples. Labelled data is checked on the whole splits (at least
two training labels, no test label that training never saw, labels among
the data's class names when it names them); `max_examples` then keeps a
seeded sample of each split. `validation_split` carves the last
`VALIDATION_FRACTION` of the training examples off for validation during
`fit` (as Keras's `validation_split` does, but explicitly, so that any
kind of data can be handed to `fit`).
"""

import math
from dataclasses import dataclass

import numpy as np

from applications.errors import DataError

VALIDATION_FRACTION = 0.1
MIN_VALIDATION_EXAMPLES = 20  # fewer training examples: no validation


@dataclass
class LabelledData:
    """Inputs and class indices `(n,)` int32 of a training and a test
    split; class `i` is `labels[i]`."""

    x_train: object
    y_train: np.ndarray
    x_test: object
    y_test: np.ndarray
    labels: list


def take(items, order):
    """`items[order]` for arrays, the same order for lists."""
    if isinstance(items, np.ndarray):
        return items[order]
    return [items[i] for i in order]


def sample(columns, limit, rng):
    """The columns (equally long) in one seeded shuffled order, at most
    `limit` rows."""
    order = rng.permutation(len(columns[0]))[:limit]
    return tuple(take(column, order) for column in columns)


def hold_out(train, test, test_fraction, rng, source, test_source=None):
    """`(train, test, where)`: the shuffled training columns and the test
    columns (`test`, read from `test_source`, or the last `test_fraction`
    of the shuffled training rows when `test` is `None`); `where` names
    the test rows for messages."""
    train = sample(train, None, rng)
    if test is None:
        cut = round(len(train[0]) * (1 - test_fraction))
        test = tuple(column[cut:] for column in train)
        train = tuple(column[:cut] for column in train)
        where = f"the held-out {test_fraction:g} of {source}"
    else:
        where = f"the test examples of {test_source or source}"
    if not len(train[0]):
        raise DataError(
            f"{source} has no training examples; expected at least one "
            "example per label"
        )
    if not len(test[0]):
        raise DataError(
            f"{where} has no examples; give separate test data or more data"
        )
    return train, test, where


def shown(labels, limit=3):
    """At most `limit` labels for a message, each at most 20 characters."""
    labels = sorted(labels)
    text = ", ".join(
        repr(label if len(str(label)) <= 20 else f"{str(label)[:17]}...")
        for label in labels[:limit]
    )
    return text + (
        f" and {len(labels) - limit} more" if len(labels) > limit else ""
    )


def check_labels(train_labels, test_labels, source, where):
    """At least 2 training labels, and every test label among them."""
    known = set(train_labels)
    if len(known) < 2:
        raise DataError(
            f"{source} has {len(known)} label(s) in training "
            f"({shown(known)}); expected at least 2"
        )
    unseen = set(test_labels) - known
    if unseen:
        raise DataError(
            f"label(s) {shown(unseen)} of {where} never occur in training; "
            f"expected labels among {shown(known)}"
        )


def split_labelled(
    train,
    test=None,
    test_fraction=0.2,
    max_examples=None,
    seed=1337,
    source="the data",
    class_names=None,
    label_order=None,
    test_source=None,
):
    """A `LabelledData` of `(inputs, labels)` pairs under the policy above.

    Args:
        train: `(inputs, labels)` of training, labels as class names.
        test: the same of the test examples, or `None` to hold out
            `test_fraction` of `train`.
        test_fraction: the share held out when `test` is `None`.
        max_examples: at most this many training and test examples.
        seed: seed of the shuffles.
        source: what `train` was read from, for messages.
        test_source: what `test` was read from, if not `source`.
        class_names: the data set's class names, if it names them;
            otherwise the distinct training labels, sorted by
            `label_order` (a sort key).
    """
    rng = np.random.default_rng(seed)
    train, test, where = hold_out(
        train, test, test_fraction, rng, source, test_source
    )
    labels = (
        list(class_names)
        if class_names is not None
        else sorted(set(train[1]), key=label_order)
    )
    stray = sorted(set(train[1]) - set(labels))
    if stray:
        raise DataError(
            f"label(s) {shown(stray)} of {source} are not among its class "
            "names; expected labels indexing them, or those names"
        )
    check_labels(train[1], test[1], source, where)
    index = {label: i for i, label in enumerate(labels)}
    columns = []
    for x, y in (train, test):
        x, y = sample((x, y), max_examples, rng)
        columns += [x, np.array([index[label] for label in y], "int32")]
    return LabelledData(*columns, labels)


def training_share(count):
    """How many of `count` training rows `validation_split` trains on."""
    if count < MIN_VALIDATION_EXAMPLES:
        return count
    return int(math.floor(count * (1 - VALIDATION_FRACTION)))


def validation_split(columns):
    """`(train, validation)` column tuples: the last `VALIDATION_FRACTION`
    of the (shuffled) rows validates; `validation` is `None` under
    `MIN_VALIDATION_EXAMPLES` rows."""
    cut = training_share(len(columns[0]))
    if cut == len(columns[0]):
        return columns, None
    return (
        tuple(column[:cut] for column in columns),
        tuple(column[cut:] for column in columns),
    )
