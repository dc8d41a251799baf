"""Training curves from a Keras `History` or a `CSVLogger` file."""

import csv
import math
import os

import numpy as np
from matplotlib.ticker import MaxNLocator

from attention_zoo.visualize.figures import new_figure
from attention_zoo.visualize.figures import save_figure


def _number(text):
    """Returns `float(text)`, or NaN for an empty or non-numeric cell."""
    try:
        return float(text)
    except (TypeError, ValueError):
        return float("nan")


def read_history(history_or_csv_path):
    """Returns `(epochs, {metric: values})` from any accepted source.

    Accepts a `keras.callbacks.History` (what `fit` returns), its
    `.history` dict, or the path of a `keras.callbacks.CSVLogger` file
    (an `epoch` column, then one column per metric). Epochs count from 0,
    as Keras writes them.
    """
    source = history_or_csv_path
    if isinstance(source, (str, os.PathLike)):
        with open(source, newline="") as file:
            rows = list(csv.DictReader(file))
        if not rows:
            raise ValueError(
                "`history_or_csv_path` must be a CSV file with a header and "
                f"at least one row; received the empty file {str(source)!r}."
            )
        # CSVLogger fills `val_` columns with "NA" when there is no
        # validation data: columns holding no number are dropped.
        values = {
            name: [_number(row[name]) for row in rows]
            for name in rows[0]
            if name != "epoch"
        }
        values = {
            name: series
            for name, series in values.items()
            if not np.all(np.isnan(series))
        }
        if "epoch" in rows[0]:
            epochs = [int(_number(row["epoch"])) for row in rows]
        else:
            epochs = list(range(len(rows)))
        return epochs, values
    epochs = getattr(source, "epoch", None)
    source = getattr(source, "history", source)
    if not isinstance(source, dict):
        raise ValueError(
            "`history_or_csv_path` must be a keras.callbacks.History, a "
            "dict of metric lists or a CSV path; received "
            f"{type(history_or_csv_path).__name__}."
        )
    values = {
        name: [_number(value) for value in np.ravel(series)]
        for name, series in source.items()
        if name != "epoch"
    }
    if not values:
        raise ValueError(
            "`history_or_csv_path` must hold at least one metric; received "
            "an empty history."
        )
    length = max(len(series) for series in values.values())
    if not epochs or len(epochs) != length:
        epochs = list(range(length))
    return list(epochs), values


def plot_training_curves(
    history_or_csv_path, metrics=None, path=None, title=None
):
    """Plots each metric per epoch, training and validation on one axes.

    Args:
        history_or_csv_path: a `keras.callbacks.History`, its `.history`
            dict, or the path of a `keras.callbacks.CSVLogger` file.
        metrics: names to plot (e.g. `["loss", "accuracy"]`); `val_<name>`
            is drawn with `<name>` when present. Defaults to every metric.
        path: if given, the PNG is saved there (parent folders created).
        title: the figure title.

    Returns:
        The `matplotlib.figure.Figure`, one axes per metric, x label
        "epoch" (numbered from 1, as in the Keras progress bar).

    Example:

    >>> figure = plot_training_curves(
    ...     {"loss": [0.9, 0.5], "val_loss": [1.0, 0.7]})
    >>> [line.get_label() for line in figure.axes[0].lines]
    ['loss', 'val_loss']
    """
    epochs, values = read_history(history_or_csv_path)
    if metrics is None:
        metrics = [
            name
            for name in values
            if not (name.startswith("val_") and name[4:] in values)
        ]
    elif isinstance(metrics, str):
        metrics = [metrics]
    missing = [name for name in metrics if name not in values]
    if missing or not metrics:
        raise ValueError(
            f"`metrics` must be names from {sorted(values)}; received "
            f"metrics={metrics!r}."
        )

    columns = min(len(metrics), 3)
    rows = math.ceil(len(metrics) / columns)
    figure = new_figure((4.0 * columns, 3.0 * rows))
    for index, name in enumerate(metrics):
        axes = figure.add_subplot(rows, columns, index + 1)
        names = [name]
        if not name.startswith("val_") and f"val_{name}" in values:
            names.append(f"val_{name}")
        for series_name in names:
            series = values[series_name]
            x = np.asarray(epochs[: len(series)]) + 1
            axes.plot(x, series, marker="o", markersize=3, label=series_name)
        axes.set_xlabel("epoch")
        axes.set_ylabel(name)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.grid(alpha=0.3)
        axes.legend()
    if title is not None:
        figure.suptitle(title)
    figure.tight_layout()
    save_figure(figure, path)
    return figure
