import math

import keras
import numpy as np
import pytest

from attention_zoo.layers import CosineAttention
from tests.test_case import assert_allclose
from tests.test_case import run_layer_test
from tests.test_case import to_numpy


def test_layer_contract(tmp_path):
    rng = np.random.default_rng(0)
    run_layer_test(
        CosineAttention,
        {"temperature": 0.2},
        {
            "query": rng.normal(size=(2, 3, 5)).astype("float32"),
            "value": rng.normal(size=(2, 4, 5)).astype("float32"),
        },
        expected_output_shape=(2, 3, 5),
        expected_num_trainable_weights=1,
        tmp_path=tmp_path,
    )


def test_fixed_temperature_is_not_trainable():
    layer = CosineAttention(trainable_temperature=False)
    layer(np.ones((1, 2, 3), "float32"), np.ones((1, 2, 3), "float32"))
    assert not layer.trainable_weights
    assert len(layer.non_trainable_weights) == 1


def test_scores_do_not_depend_on_scale_of_inputs():
    rng = np.random.default_rng(1)
    query = rng.normal(size=(1, 2, 4)).astype("float32")
    value = rng.normal(size=(1, 3, 4)).astype("float32")
    layer = CosineAttention(temperature=0.5)
    _, small = layer(query, value, return_attention_scores=True)
    _, large = layer(query * 100, value * 7, return_attention_scores=True)
    assert_allclose(small, large, atol=1e-5)


def test_hand_computed_case():
    # Orthogonal and parallel keys: cosines 0 and 1, temperature 0.5.
    query = np.array([[[3.0, 0.0]]], "float32")
    value = np.array([[[0.0, 2.0], [5.0, 0.0]]], "float32")
    _, weights = CosineAttention(temperature=0.5)(
        query, value, return_attention_scores=True
    )
    expected = np.exp([0.0, 2.0]) / np.exp([0.0, 2.0]).sum()
    assert_allclose(weights[0, 0], expected)


def test_temperature_never_goes_below_floor():
    layer = CosineAttention(temperature=0.1, min_temperature=0.05)
    layer.build((1, 1, 2), (1, 3, 2))
    layer.log_inverse_temperature.assign(math.log(1e6))
    assert math.isclose(
        float(to_numpy(layer.inverse_temperature())), 20.0, rel_tol=1e-5
    )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"temperature": 0.0}, "`temperature` must be a positive number"),
        ({"min_temperature": -1}, "`min_temperature` must be a positive"),
        ({"temperature": 0.01, "min_temperature": 0.1}, "at least"),
    ],
)
def test_rejects_bad_temperatures(kwargs, message):
    with pytest.raises(ValueError, match=message):
        CosineAttention(**kwargs)


def test_rejects_different_query_and_key_sizes():
    with pytest.raises(ValueError, match="same last dimension"):
        CosineAttention()(
            np.zeros((1, 2, 3), "float32"), np.zeros((1, 4, 5), "float32")
        )


def test_float16_with_zero_vectors_stays_finite():
    # A padded key is a zero vector; normalising it must not give NaN.
    query = np.ones((1, 2, 4), "float32")
    value = np.zeros((1, 3, 4), "float32")
    value[0, 0] = 1.0
    layer = CosineAttention(dtype="mixed_float16")
    output, weights = layer(query, value, return_attention_scores=True)
    assert np.all(np.isfinite(to_numpy(keras.ops.cast(output, "float32"))))
    assert np.all(np.isfinite(to_numpy(keras.ops.cast(weights, "float32"))))
