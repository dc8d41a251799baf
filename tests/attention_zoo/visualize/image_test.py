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


def test_grey_uint8_image_with_small_map(tmp_path):
    image = np.zeros((28, 28), "uint8")
    image[6:22, 12:16] = 255
    path = tmp_path / "nested" / "image.png"
    figure = plot_image_attention(
        image, np.eye(7), path=path, alpha=0.4, title="digit"
    )
    assert isinstance(figure, Figure)
    axes = figure.axes[0]
    assert axes.get_title() == "digit"
    background, overlay = axes.images
    np.testing.assert_allclose(background.get_array(), image / 255.0)
    assert overlay.get_array().shape == (28, 28)
    assert overlay.get_alpha() == 0.4
    load_png(path)


def test_rgb_float_tensor_image_with_flat_map(tmp_path):
    rng = np.random.default_rng(0)
    image = keras.ops.convert_to_tensor(rng.random((32, 48, 3)), "float32")
    figure = plot_image_attention(
        image, rng.random(16), path=tmp_path / "rgb.png"
    )
    background, overlay = figure.axes[0].images
    assert background.get_array().shape == (32, 48, 3)
    assert overlay.get_array().shape == (32, 48)
    load_png(tmp_path / "rgb.png")


@pytest.mark.parametrize(
    "attention_map, expected",
    [
        (np.full((1, 1), 0.7), np.full((8, 8), 0.7)),  # a 1x1 feature grid
        (  # (1, 4, 1): a 1x4 grid with a channel axis
            np.arange(4.0).reshape(1, 4, 1),
            upsample_attention(np.arange(4.0)[None], (8, 8)),
        ),
    ],
)
def test_maps_with_size_1_sides(attention_map, expected):
    figure = plot_image_attention(np.zeros((8, 8)), attention_map)
    np.testing.assert_allclose(figure.axes[0].images[1].get_array(), expected)


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
