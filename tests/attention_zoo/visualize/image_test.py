import keras
import numpy as np
import pytest
from matplotlib.figure import Figure

from attention_zoo.visualize import plot_image_attention
from attention_zoo.visualize import upsample_attention
from tests.attention_zoo.visualize.png import load_png


def test_upsample_matches_hand_values_and_keras_resize():
    np.testing.assert_allclose(
        upsample_attention([[0.0, 1.0]], (1, 4)), [[0.0, 0.25, 0.75, 1.0]]
    )
    np.testing.assert_allclose(
        upsample_attention(np.full((7, 7), 0.3), (28, 28)),
        np.full((28, 28), 0.3),
    )
    attention_map = np.random.default_rng(0).random((7, 7))
    expected = keras.ops.image.resize(
        attention_map[..., None].astype("float32"),
        (28, 28),
        interpolation="bilinear",
        antialias=False,
    )
    np.testing.assert_allclose(
        upsample_attention(attention_map, (28, 28)),
        keras.ops.convert_to_numpy(expected)[..., 0],
        atol=1e-5,
    )


def _panels(figure):
    """`(image axes, overlay axes, colour bar axes)` of a figure."""
    assert len(figure.axes) == 3
    return figure.axes


def test_grey_uint8_image_with_small_map(tmp_path):
    image = np.zeros((28, 28), "uint8")
    image[6:22, 12:16] = 255
    path = tmp_path / "nested" / "image.png"
    figure = plot_image_attention(
        image, np.eye(7), path=path, alpha=0.4, title="digit"
    )
    assert isinstance(figure, Figure)
    image_axes, overlay_axes, _ = _panels(figure)
    assert figure.get_suptitle() == "digit"
    (alone,) = image_axes.images  # the image, visible on its own
    np.testing.assert_allclose(alone.get_array(), image / 255.0)
    background, overlay = overlay_axes.images
    np.testing.assert_allclose(background.get_array(), image / 255.0)
    # np.eye is in [0, 1] and does not sum to 1: the unit scale.
    np.testing.assert_allclose(
        overlay.get_array(), upsample_attention(np.eye(7), (28, 28))
    )
    assert overlay.get_alpha() == 0.4
    load_png(path)


def test_rgb_float_tensor_image_with_flat_map(tmp_path):
    rng = np.random.default_rng(0)
    image = keras.ops.convert_to_tensor(rng.random((32, 48, 3)), "float32")
    figure = plot_image_attention(
        image, rng.random(16), path=tmp_path / "rgb.png"
    )
    image_axes, overlay_axes, _ = _panels(figure)
    assert image_axes.images[0].get_array().shape == (32, 48, 3)
    background, overlay = overlay_axes.images
    assert background.get_array().shape == (32, 48, 3)
    assert overlay.get_array().shape == (32, 48)
    load_png(tmp_path / "rgb.png")


@pytest.mark.parametrize(
    "attention_map, limits, label, value",
    [
        # A sigmoid map near 0.5 (the 0.493-0.506 of a real model).
        (
            0.5 + 0.006 * np.cos(np.arange(16.0)).reshape(4, 4),
            (0.0, 1.0),
            "attention (0 to 1)",
            None,
        ),
        (np.full((4, 4), 1 / 16), (1 / 8, 8.0), "attention / uniform", 1.0),
        (np.full(49, 3.0), (1 / 8, 8.0), "attention / uniform", 1.0),
        (np.full((7, 7), 0.3), (0.0, 1.0), "attention (0 to 1)", 0.3),
    ],
)
def test_flat_maps_are_flat_on_fixed_limits(
    attention_map, limits, label, value
):
    image = np.zeros((16, 16), "uint8")
    image[4:12, 6:10] = 200
    figure = plot_image_attention(image, attention_map)
    image_axes, overlay_axes, bar_axes = _panels(figure)
    overlay = overlay_axes.images[1]
    np.testing.assert_allclose((overlay.norm.vmin, overlay.norm.vmax), limits)
    np.testing.assert_allclose(sorted(bar_axes.get_ylim()), limits)
    assert bar_axes.get_ylabel().startswith(label)
    colours = overlay.to_rgba(overlay.get_array())
    spread = colours.reshape(-1, 4).max(axis=0) - colours.reshape(-1, 4).min(0)
    assert spread.max() < 0.02  # one colour, not the map's noise stretched
    if value is not None:
        np.testing.assert_allclose(overlay.get_array(), value)
    np.testing.assert_allclose(image_axes.images[0].get_array(), image / 255)


def test_probability_map_is_shown_as_ratio_to_uniform():
    # 16 positions: uniform is 1/16; 8/16 is 8x, 1/32 is 1/2x, 0 is
    # beyond 1/8x and shown at the end.
    attention_map = np.zeros((4, 4))
    attention_map[0, 0] = 0.5
    attention_map[0, 1:] = attention_map[1:, 0] = 1 / 16
    attention_map[1:, 1:] = (0.5 - 6 / 16) / 9
    figure = plot_image_attention(np.zeros((4, 4)), attention_map)
    _, overlay_axes, bar_axes = _panels(figure)
    shown = overlay_axes.images[1].get_array()
    assert shown[0, 0] == pytest.approx(8.0)
    np.testing.assert_allclose(shown[0, 1:], 1.0)
    np.testing.assert_allclose(shown[1:, 1:], 16 / 72)
    ticks = [label.get_text() for label in bar_axes.get_yticklabels()]
    assert ticks == ["1/8x", "1/4x", "1/2x", "1x", "2x", "4x", "8x"]
    # An explicit range is kept as given; values beyond are clipped.
    figure = plot_image_attention(
        np.zeros((4, 4)), attention_map, scale=(0.0, 0.25)
    )
    overlay = figure.axes[1].images[1]
    assert (overlay.norm.vmin, overlay.norm.vmax) == (0.0, 0.25)
    assert overlay.get_array().max() == 0.25


@pytest.mark.parametrize(
    "attention_map, expected",
    [
        (np.full((1, 1), 0.7), np.full((8, 8), 0.7)),  # a 1x1 feature grid
        (  # (1, 4, 1): a 1x4 grid with a channel axis, in [0, 1]
            np.arange(4.0).reshape(1, 4, 1) / 4,
            upsample_attention(np.arange(4.0)[None] / 4, (8, 8)),
        ),
    ],
)
def test_maps_with_size_1_sides(attention_map, expected):
    figure = plot_image_attention(np.zeros((8, 8)), attention_map)
    np.testing.assert_allclose(figure.axes[1].images[1].get_array(), expected)


@pytest.mark.parametrize(
    "image, attention_map, alpha, message",
    [
        (np.zeros((28, 28)), np.ones((2, 3, 4)), 0.5, "attention_map"),
        (np.zeros((28, 28)), np.ones(10), 0.5, "attention_map"),
        (np.zeros((28, 28, 2)), np.ones((7, 7)), 0.5, "image"),
        (np.zeros((28, 28)), np.ones((7, 7)), 1.5, "alpha"),
    ],
)
def test_bad_inputs_raise(image, attention_map, alpha, message):
    with pytest.raises(ValueError, match=message):
        plot_image_attention(image, attention_map, alpha=alpha)


@pytest.mark.parametrize(
    "attention_map, scale, message",
    [
        (np.eye(4) - 0.5, "auto", "negative values"),
        (np.eye(4) - 0.5, "uniform", "non-negative"),
        (np.eye(4) * 2, "unit", "\\[0, 1\\]"),
        (np.eye(4), "linear", "`scale` must be one of"),
        (np.eye(4), (1.0, 0.0), "low < high"),
        (np.full((4, 4), np.nan), "auto", "finite"),
    ],
)
def test_bad_scales_raise(attention_map, scale, message):
    with pytest.raises(ValueError, match=message):
        plot_image_attention(np.zeros((8, 8)), attention_map, scale=scale)
