import numpy as np
import pytest

from attention_zoo.layers import BahdanauAttention
from tests.test_case import assert_allclose
from tests.test_case import run_layer_test


def test_layer_contract(tmp_path):
    rng = np.random.default_rng(0)
    run_layer_test(
        BahdanauAttention,
        {"units": 4},
        {
            "query": rng.normal(size=(2, 3, 5)).astype("float32"),
            "value": rng.normal(size=(2, 6, 7)).astype("float32"),
        },
        expected_output_shape=(2, 3, 7),
        # query_kernel, key_kernel, bias, attention_vector
        expected_num_trainable_weights=4,
        tmp_path=tmp_path,
    )


def test_layer_contract_one_step_query_with_key(tmp_path):
    rng = np.random.default_rng(1)
    run_layer_test(
        BahdanauAttention,
        {"units": 3, "use_bias": False},
        {
            "query": rng.normal(size=(2, 4)).astype("float32"),
            "value": rng.normal(size=(2, 5, 2)).astype("float32"),
            "key": rng.normal(size=(2, 5, 6)).astype("float32"),
        },
        expected_output_shape=(2, 2),
        expected_num_trainable_weights=3,
        tmp_path=tmp_path,
    )


def test_hand_computed_case():
    # units=1, W_q = [1], W_k = [1], v = [1], b = 0: score = tanh(q + k).
    layer = BahdanauAttention(units=1, use_bias=False)
    query = np.array([[[0.5]]], "float32")
    value = np.array([[[1.0], [2.0]]], "float32")
    layer(query, value)
    for weight in (layer.query_kernel, layer.key_kernel):
        weight.assign(np.ones((1, 1), "float32"))
    layer.attention_vector.assign(np.ones((1,), "float32"))
    # keys 1 and 2: scores tanh(1.5) and tanh(2.5)
    scores = np.tanh([1.5, 2.5])
    weights = np.exp(scores) / np.exp(scores).sum()
    output, got = layer(query, value, return_attention_scores=True)
    assert_allclose(got[0, 0], weights)
    assert_allclose(output[0, 0, 0], weights @ np.array([1.0, 2.0]))


@pytest.mark.parametrize("units", [0, -3, 2.5, "8", None, True])
def test_rejects_bad_units(units):
    with pytest.raises(ValueError, match="`units` must be a positive integer"):
        BahdanauAttention(units=units)


def test_rejects_key_value_length_mismatch():
    layer = BahdanauAttention(units=2)
    with pytest.raises(ValueError, match="same length"):
        layer(
            np.zeros((1, 2, 3), "float32"),
            np.zeros((1, 4, 3), "float32"),
            key=np.zeros((1, 5, 3), "float32"),
        )
