"""A spatial attention map upsampled and overlaid on its image.

The overlay is on a fixed scale, never stretched to the map's own range
(which makes a flat map look strongly structured). Two scales, chosen by
`scale=`:

- `"uniform"`, for maps that are probabilities over positions (softmax
  attention pooling over patches, summing to 1): each value `w` of the
  `n` positions is shown as its ratio `w * n` to the uniform weight
  `1 / n`, on a log scale from `1/8x` to `8x` (ratios beyond are shown
  at the ends). A non-negative map that does not sum to 1 is first
  divided by its sum, so its ratio is to its own mean.
- `"unit"`, for maps of gates in `[0, 1]` (sigmoid spatial attention, as
  in CBAM): the values on the fixed range 0 to 1.

`scale="auto"` (the default) picks `"uniform"` for a map summing to 1,
`"unit"` for other maps within `[0, 1]`, `"uniform"` for other
non-negative maps; a `(low, high)` pair gives any other fixed range. A
flat map is thus one flat colour on every scale.
"""

import math
import numbers

import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.colors import Normalize
from matplotlib.ticker import NullLocator

from attention_zoo.visualize.figures import new_figure
from attention_zoo.visualize.figures import save_figure
from attention_zoo.visualize.figures import to_numpy


def _resize_axis(length, new_length):
    """Bilinear (half-pixel centre) source indices and weights of one axis."""
    centres = (np.arange(new_length) + 0.5) * length / new_length - 0.5
    centres = np.clip(centres, 0, length - 1)
    low = np.floor(centres).astype(int)
    high = np.minimum(low + 1, length - 1)
    return low, high, centres - low


def upsample_attention(attention_map, size):
    """Resizes a 2D map to `size = (height, width)`, bilinearly.

    Pixel centres are aligned as in `keras.ops.image.resize` (edges are
    clamped), so a constant map stays constant.

    Example:

    >>> upsample_attention([[0.0, 1.0]], (1, 4)).tolist()
    [[0.0, 0.25, 0.75, 1.0]]
    """
    attention_map = to_numpy("attention_map", attention_map)
    if attention_map.ndim != 2:
        raise ValueError(
            "`attention_map` must have shape (height, width); received "
            f"shape {attention_map.shape}."
        )
    rows, row_high, row_t = _resize_axis(attention_map.shape[0], size[0])
    cols, col_high, col_t = _resize_axis(attention_map.shape[1], size[1])
    top = (
        attention_map[rows][:, cols] * (1 - col_t)
        + attention_map[rows][:, col_high] * col_t
    )
    bottom = (
        attention_map[row_high][:, cols] * (1 - col_t)
        + attention_map[row_high][:, col_high] * col_t
    )
    return top * (1 - row_t[:, None]) + bottom * row_t[:, None]


def _as_image(image):
    """Returns `(height, width)` or `(height, width, 3)` floats in [0, 1]."""
    is_uint8 = "uint8" in str(getattr(image, "dtype", ""))
    image = to_numpy("image", image)
    channels = image.shape[-1] if image.ndim == 3 else None
    if image.ndim not in (2, 3) or channels not in (None, 1, 3, 4):
        raise ValueError(
            "`image` must have shape (height, width) or (height, width, "
            f"channels) with 1, 3 or 4 channels; received shape {image.shape}."
        )
    if channels is not None:
        image = image[..., 0] if channels == 1 else image[..., :3]
    if is_uint8:
        return image / 255.0
    low, high = float(np.min(image)), float(np.max(image))
    if low >= 0 and high <= 1:
        return image
    if low >= 0 and high <= 255:
        return image / 255.0
    return (image - low) / (high - low) if high > low else image * 0


def _as_map(attention_map):
    """Returns the map as `(height, width)`; a flat map must be square."""
    attention_map = to_numpy("attention_map", attention_map)
    # Only extra axes go: a (1, 4) or (1, 1) map is a real 2-D grid.
    while attention_map.ndim > 2 and 1 in (
        attention_map.shape[0],
        attention_map.shape[-1],
    ):
        # A channel axis (h, w, 1) first, then a batch axis (1, h, w).
        axis = -1 if attention_map.shape[-1] == 1 else 0
        attention_map = np.squeeze(attention_map, axis=axis)
    if attention_map.ndim == 1:
        side = math.isqrt(attention_map.shape[0])
        if side * side == attention_map.shape[0]:
            return attention_map.reshape(side, side)
    if attention_map.ndim != 2:
        raise ValueError(
            "`attention_map` must have shape (height, width) (extra size-1 "
            "axes are dropped; a flat map must have a square length); received "
            f"shape {attention_map.shape}."
        )
    return attention_map


SCALES = ("auto", "uniform", "unit")
FULL_RATIO = 8.0  # the "uniform" scale spans 1/8x to 8x uniform
RATIO_TICKS = (1 / 8, 1 / 4, 1 / 2, 1, 2, 4, 8)
SUM_TOLERANCE = 1e-2  # a map summing to 1 within this is a distribution


def _ratio_label(ratio):
    return f"{ratio:g}x" if ratio >= 1 else f"1/{round(1 / ratio)}x"


def _resolve_scale(scale, attention_map):
    """Returns `"uniform"`, `"unit"` or a `(low, high)` float pair."""
    low, high = float(np.min(attention_map)), float(np.max(attention_map))
    if not np.isfinite(attention_map).all():
        raise ValueError(
            "`attention_map` must hold finite numbers; received a map with "
            "NaN or inf values."
        )
    if isinstance(scale, (tuple, list)):
        if (
            len(scale) != 2
            or not all(
                isinstance(value, numbers.Real) and not isinstance(value, bool)
                for value in scale
            )
            or not scale[0] < scale[1]
        ):
            raise ValueError(
                "`scale` as a range must be two numbers (low, high) with "
                f"low < high; received scale={scale!r}."
            )
        return float(scale[0]), float(scale[1])
    if scale not in SCALES:
        raise ValueError(
            f"`scale` must be one of {', '.join(SCALES)} or a (low, high) "
            f"pair; received scale={scale!r}."
        )
    if scale == "auto":
        if low >= 0 and abs(float(np.sum(attention_map)) - 1) <= SUM_TOLERANCE:
            return "uniform"
        if low >= 0 and high <= 1:
            return "unit"
        if low < 0:
            raise ValueError(
                "`attention_map` has negative values, so neither the "
                "'uniform' nor the 'unit' scale fits; give scale=(low, "
                "high), a fixed range for the colours."
            )
        return "uniform"
    if scale == "uniform" and (low < 0 or not np.sum(attention_map) > 0):
        raise ValueError(
            "`scale='uniform'` needs a non-negative map with a positive "
            f"sum; received values from {low:g} to {high:g}."
        )
    if scale == "unit" and (low < 0 or high > 1):
        raise ValueError(
            "`scale='unit'` needs values in [0, 1]; received values from "
            f"{low:g} to {high:g}. Use scale='uniform' or (low, high)."
        )
    return scale


def _scaled(attention_map, size, scale):
    """`(values, norm, label, ticks)` of the overlay on `scale`."""
    if scale == "uniform":
        ratios = attention_map * attention_map.size / np.sum(attention_map)
        values = np.clip(
            upsample_attention(ratios, size), 1 / FULL_RATIO, FULL_RATIO
        )
        norm = LogNorm(1 / FULL_RATIO, FULL_RATIO)
        return values, norm, "attention / uniform (1/n)", RATIO_TICKS
    low, high = (0.0, 1.0) if scale == "unit" else scale
    values = np.clip(upsample_attention(attention_map, size), low, high)
    label = "attention (0 to 1)" if scale == "unit" else "attention"
    return values, Normalize(low, high), label, None


def plot_image_attention(
    image,
    attention_map,
    path=None,
    alpha=0.5,
    title=None,
    cmap="inferno",
    scale="auto",
):
    """Shows an image and, beside it, its attention map overlaid on it.

    The map (e.g. 7x7 weights over a 28x28 image, or a flat 49-vector of
    patch weights) is upsampled bilinearly to the image size and drawn on
    a copy of the image with opacity `alpha`, the image alone on the left
    so that it stays visible. The colours are on a fixed scale (see the
    module docstring), shown by a colour bar with the scale's limits:

    - `"uniform"`: ratio to uniform attention `1 / n` (a map of
      probabilities over its `n` positions, as softmax attention pooling
      gives), log scale from 1/8x to 8x, "attention / uniform (1/n)";
    - `"unit"`: values on 0 to 1 (sigmoid gates, as spatial attention
      and CBAM give), "attention (0 to 1)";
    - `(low, high)`: values on that range, "attention".

    Values beyond the limits take the end colours; a flat map is one
    flat colour.

    Args:
        image: `(height, width)` grey or `(height, width, 3)` RGB (a 1- or
            4-channel last axis is also read), numpy or any backend tensor.
            `uint8` is read as 0-255; floats in [0, 1] as they are, other
            non-negative floats up to 255 as 0-255, anything else is
            rescaled from its min-max range.
        attention_map: `(h, w)` weights at any spatial size (`(1, 1)`
            included); size-1 axes beyond two are dropped and a flat map
            of square length is made square.
        path: if given, the PNG is saved there (parent folders created).
        alpha: opacity of the heatmap, in [0, 1].
        title: the figure title.
        cmap: a matplotlib colormap name for the heatmap (perceptually
            uniform by default).
        scale: `"auto"` (a map summing to 1: `"uniform"`; other maps in
            [0, 1]: `"unit"`; other non-negative maps: `"uniform"` of the
            map divided by its sum), `"uniform"`, `"unit"`, or a `(low,
            high)` pair.

    Returns:
        The `matplotlib.figure.Figure`: axes 0 shows the image, axes 1
        the image with the overlay (its second image), axes 2 the colour
        bar.

    Example:

    >>> figure = plot_image_attention(np.zeros((28, 28)), np.eye(7))
    >>> figure.axes[1].images[1].get_array().shape
    (28, 28)
    >>> figure.axes[1].images[1].norm.vmin, figure.axes[1].images[1].norm.vmax
    (0.0, 1.0)
    """
    if isinstance(alpha, bool) or not 0 <= alpha <= 1:
        raise ValueError(
            f"`alpha` must be a float in [0, 1]; received alpha={alpha!r}."
        )
    image = _as_image(image)
    attention_map = _as_map(attention_map)
    scale = _resolve_scale(scale, attention_map)
    values, norm, label, ticks = _scaled(attention_map, image.shape[:2], scale)

    height, width = image.shape[:2]
    side = 4.0 / max(height, width)
    figure = new_figure((2 * width * side + 1.6, height * side + 0.8))
    image_axes, overlay_axes = figure.subplots(1, 2)
    for axes in (image_axes, overlay_axes):
        axes.imshow(image, cmap="gray", vmin=0, vmax=1)
        axes.set_axis_off()
    image_axes.set_title("image", fontsize=9)
    overlay_axes.set_title("attention", fontsize=9)
    overlay = overlay_axes.imshow(values, cmap=cmap, norm=norm, alpha=alpha)
    if title is not None:
        figure.suptitle(title)
    bar = figure.colorbar(overlay, ax=[image_axes, overlay_axes], label=label)
    if ticks is not None:
        bar.set_ticks(ticks, labels=[_ratio_label(tick) for tick in ticks])
        bar.ax.yaxis.set_minor_locator(NullLocator())
    save_figure(figure, path)
    return figure
