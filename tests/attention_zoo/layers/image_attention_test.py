"""ChannelAttention (squeeze-and-excitation), SpatialAttention and CBAM."""

import keras
import numpy as np
import pytest

from attention_zoo import layers
from tests.test_case import assert_allclose
from tests.test_case import run_layer_test
from tests.test_case import to_numpy


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def dense(layer, x):
    out = x @ to_numpy(layer.kernel)
    if layer.bias is not None:
        out = out + to_numpy(layer.bias)
    return out


def numpy_channel_weights(layer, images, pool_max=False):
    def mlp(pooled):
        return dense(layer.excite, np.maximum(dense(layer.squeeze, pooled), 0))

    logits = mlp(images.mean(axis=(1, 2)))
    if pool_max:
        logits = logits + mlp(images.max(axis=(1, 2)))
    return sigmoid(logits)


def numpy_spatial_map(layer, images):
    summary = np.stack([images.mean(-1), images.max(-1)], axis=-1)
    kernel = to_numpy(layer.conv.kernel)  # (k, k, 2, 1)
    k = kernel.shape[0]
    pad = k // 2
    padded = np.pad(summary, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    height, width = images.shape[1:3]
    out = np.zeros(images.shape[:3])
    for i in range(height):
        for j in range(width):
            window = padded[:, i : i + k, j : j + k, :]
            out[:, i, j] = np.einsum("bijc,ijc->b", window, kernel[..., 0])
    return sigmoid(out + to_numpy(layer.conv.bias)[0])


def images(seed=0, shape=(2, 5, 6, 8)):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


@pytest.mark.parametrize(
    "layer_cls, kwargs, num_weights",
    [
        (layers.ChannelAttention, {"reduction_ratio": 2}, 4),
        (layers.SpatialAttention, {"kernel_size": 3}, 2),
        (layers.CBAM, {"reduction_ratio": 2, "kernel_size": 3}, 6),
    ],
    ids=["channel", "spatial", "cbam"],
)
def test_layer_contract(layer_cls, kwargs, num_weights, tmp_path):
    run_layer_test(
        layer_cls,
        kwargs,
        {"inputs": images()},
        expected_output_shape=(2, 5, 6, 8),
        expected_num_trainable_weights=num_weights,
        tmp_path=tmp_path,
    )


@pytest.mark.parametrize("pooling", ["average", "average_max"])
def test_channel_attention_matches_numpy(pooling):
    x = images(1)
    layer = layers.ChannelAttention(reduction_ratio=2, pooling=pooling)
    output, weights = layer(x, return_attention_scores=True)
    expected = numpy_channel_weights(layer, x, pool_max=pooling != "average")
    assert_allclose(weights, expected)
    assert_allclose(output, x * expected[:, None, None, :])


def test_spatial_attention_matches_numpy():
    x = images(2)
    layer = layers.SpatialAttention(kernel_size=3)
    output, attention = layer(x, return_attention_scores=True)
    expected = numpy_spatial_map(layer, x)
    assert_allclose(attention, expected, atol=1e-5)
    assert_allclose(output, x * expected[..., None], atol=1e-5)


def test_cbam_is_channel_then_spatial():
    x = images(3)
    layer = layers.CBAM(reduction_ratio=2, kernel_size=3)
    output, attention = layer(x, return_attention_scores=True)
    channel = numpy_channel_weights(layer.channel_attention, x, pool_max=True)
    reweighted = x * channel[:, None, None, :]
    spatial = numpy_spatial_map(layer.spatial_attention, reweighted)
    assert_allclose(attention, spatial, atol=1e-5)
    assert_allclose(output, reweighted * spatial[..., None], atol=1e-5)


def test_channels_first_equals_channels_last():
    x = images(4)
    last = layers.CBAM(reduction_ratio=2, kernel_size=3)
    expected = to_numpy(last(x))
    first = layers.CBAM(
        reduction_ratio=2, kernel_size=3, data_format="channels_first"
    )
    first(np.transpose(x, (0, 3, 1, 2)))
    # Keras keeps convolution kernels in one layout for both formats.
    first.set_weights(last.get_weights())
    got = to_numpy(first(np.transpose(x, (0, 3, 1, 2))))
    assert_allclose(np.transpose(got, (0, 2, 3, 1)), expected, atol=1e-5)


def test_attention_maps_in_a_functional_model():
    inputs = keras.Input((6, 6, 3))
    x = keras.layers.Conv2D(8, 3, padding="same")(inputs)
    x, where = layers.CBAM(reduction_ratio=2)(x, return_attention_scores=True)
    model = keras.Model(inputs, [x, where])
    assert model.outputs[1].shape == (None, 6, 6)
    _, maps = model.predict(images(5, (2, 6, 6, 3)), verbose=0)
    assert np.all((maps > 0) & (maps < 1))


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: layers.ChannelAttention(reduction_ratio=0), "reduction_ratio"),
        (lambda: layers.ChannelAttention(pooling="max"), "`pooling` must be"),
        (lambda: layers.SpatialAttention(kernel_size=-1), "kernel_size"),
        (lambda: layers.CBAM(data_format="nhwc"), "`data_format` must be"),
    ],
)
def test_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_rejects_non_image_input():
    with pytest.raises(ValueError, match="`inputs` must have rank 4"):
        layers.CBAM()(np.zeros((2, 5, 8), "float32"))
