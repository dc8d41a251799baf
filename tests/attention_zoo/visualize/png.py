"""Reads back a saved PNG."""

from matplotlib import image as mpimg


def load_png(path):
    """Returns the pixels of a non-empty RGBA PNG at `path`."""
    assert path.is_file() and path.stat().st_size > 0
    pixels = mpimg.imread(path)
    assert pixels.ndim == 3 and pixels.shape[-1] == 4
    assert pixels.shape[0] > 10 and pixels.shape[1] > 10
    return pixels
