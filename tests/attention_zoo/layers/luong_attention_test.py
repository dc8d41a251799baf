import keras
import numpy as np
import pytest

from attention_zoo.layers import LuongAttention
from tests.single_head import padding_mask
from tests.test_case import assert_allclose
from tests.test_case import run_layer_test


@pytest.mark.parametrize(
    "kwargs, same_dims, num_weights",
    [
        ({"score_mode": "dot"}, True, 0),
        ({"score_mode": "dot", "use_scale": True}, True, 1),
        ({"score_mode": "general"}, False, 1),
        ({"score_mode": "concat", "units": 4}, False, 3),
    ],
    ids=["dot", "dot_scaled", "general", "concat"],
)
def test_layer_contract(kwargs, same_dims, num_weights, tmp_path):
    rng = np.random.default_rng(0)
    key_dim = 5 if same_dims else 6
    run_layer_test(
        LuongAttention,
        kwargs,
        {
            "query": rng.normal(size=(2, 3, 5)).astype("float32"),
            "value": rng.normal(size=(2, 4, key_dim)).astype("float32"),
        },
        expected_output_shape=(2, 3, key_dim),
        expected_num_trainable_weights=num_weights,
        # "dot" has no weights, so there is nothing for a fit step to move.
        run_training=num_weights > 0,
        tmp_path=tmp_path,
    )


@pytest.mark.parametrize("use_scale", [False, True])
def test_dot_equals_keras_attention(use_scale):
    rng = np.random.default_rng(1)
    query = rng.normal(size=(3, 4, 6)).astype("float32")
    value = rng.normal(size=(3, 5, 6)).astype("float32")
    key = rng.normal(size=(3, 5, 6)).astype("float32")
    query_mask = padding_mask([4, 3, 1], 4)
    value_mask = padding_mask([5, 2, 4], 5)
    ours = LuongAttention(score_mode="dot", use_scale=use_scale)
    theirs = keras.layers.Attention(score_mode="dot", use_scale=use_scale)
    for causal in (False, True):
        expected, expected_weights = theirs(
            [query, value, key],
            mask=[query_mask, value_mask],
            use_causal_mask=causal,
            return_attention_scores=True,
        )
        got, weights = ours(
            query,
            value,
            key=key,
            query_mask=query_mask,
            value_mask=value_mask,
            use_causal_mask=causal,
            return_attention_scores=True,
        )
        assert_allclose(got, expected)
        # Keras keeps weights on padded queries; ours zeroes those rows.
        keep = query_mask[:, :, None]
        assert_allclose(
            np.where(keep, keras.ops.convert_to_numpy(weights), 0),
            np.where(keep, keras.ops.convert_to_numpy(expected_weights), 0),
        )


def test_general_hand_computed_case():
    layer = LuongAttention(score_mode="general")
    query = np.array([[[1.0, 0.0]]], "float32")
    value = np.array([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]], "float32")
    layer(query, value)
    layer.kernel.assign(np.array([[2.0, 0.0, 0.0], [0.0, 0.0, 0.0]]))
    # q W = [2, 0, 0]; scores against the two keys: 2 and 0.
    weights = np.exp([2.0, 0.0]) / np.exp([2.0, 0.0]).sum()
    output, got = layer(query, value, return_attention_scores=True)
    assert_allclose(got[0, 0], weights)
    assert_allclose(output[0, 0], [weights[0], weights[1], 0.0])


def test_rejects_unknown_score_mode():
    with pytest.raises(ValueError, match="`score_mode` must be one of"):
        LuongAttention(score_mode="bilinear")


def test_dot_rejects_different_query_and_key_sizes():
    layer = LuongAttention(score_mode="dot")
    with pytest.raises(ValueError, match="same last dimension"):
        layer(np.zeros((1, 2, 3), "float32"), np.zeros((1, 4, 5), "float32"))
