"""A spatial attention map upsampled and overlaid on its image."""

import math

import numpy as np

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


def plot_image_attention(
    image, attention_map, path=None, alpha=0.5, title=None, cmap="jet"
):
    """Overlays an attention map on its image as a heatmap.

    The map (e.g. 7x7 weights over a 28x28 image, or a flat 49-vector of
    patch weights) is upsampled bilinearly to the image size and drawn on
    top with opacity `alpha`.

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
        cmap: a matplotlib colormap name for the heatmap.

    Returns:
        The `matplotlib.figure.Figure`.

    Example:

    >>> figure = plot_image_attention(np.zeros((28, 28)), np.eye(7))
    >>> figure.axes[0].images[1].get_array().shape
    (28, 28)
    """
    if isinstance(alpha, bool) or not 0 <= alpha <= 1:
        raise ValueError(
            f"`alpha` must be a float in [0, 1]; received alpha={alpha!r}."
        )
    image = _as_image(image)
    heatmap = upsample_attention(_as_map(attention_map), image.shape[:2])

    height, width = image.shape[:2]
    scale = 5.0 / max(height, width)
    figure = new_figure((width * scale + 1.2, height * scale + 0.6))
    axes = figure.add_subplot()
    axes.imshow(image, cmap="gray", vmin=0, vmax=1)
    overlay = axes.imshow(heatmap, cmap=cmap, alpha=alpha)
    axes.set_axis_off()
    if title is not None:
        axes.set_title(title)
    figure.colorbar(overlay, ax=axes, label="attention weight")
    save_figure(figure, path)
    return figure
