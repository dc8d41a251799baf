"""Headless figures: array conversion, creation and PNG saving.

Figures are `matplotlib.figure.Figure` objects with their own Agg canvas,
never pyplot state: they render without a display, do not change the
user's matplotlib backend, are freed by the garbage collector (no
`plt.close`), and show inline when returned as a notebook cell's value.
"""

import pathlib

import keras
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def to_numpy(name, value):
    """Returns `value` (numpy, list or any backend tensor) as a float array."""
    if not isinstance(value, (np.ndarray, list, tuple, int, float)):
        value = keras.ops.convert_to_numpy(value)
    try:
        return np.asarray(value, dtype="float64")
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"`{name}` must be an array of numbers; received {name} of type "
            f"{type(value).__name__}."
        ) from error


def new_figure(figsize):
    """Returns an empty `Figure` `(width, height)` inches with an Agg canvas."""
    figure = Figure(figsize=figsize)
    FigureCanvasAgg(figure)
    return figure


def save_figure(figure, path, tight=True):
    """Saves `figure` to `path` (PNG unless its suffix says otherwise),
    creating the parent folders; does nothing if `path` is `None`.

    `tight=True` crops the margins; `False` keeps the figure's own size."""
    if path is None:
        return
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = None if path.suffix else "png"
    figure.savefig(path, format=fmt, bbox_inches="tight" if tight else None)
