import keras
import numpy as np
import pytest

from attention_zoo.layers import CrossAttention
from tests import reference
from tests.attention_zoo.layers.multi_head_attention_test import numpy_weights
from tests.single_head import padding_mask
from tests.test_case import assert_allclose
from tests.test_case import run_layer_test


def test_layer_contract(tmp_path):
    rng = np.random.default_rng(0)
    run_layer_test(
        CrossAttention,
        {"num_heads": 2, "key_dim": 3},
        {
            "query": rng.normal(size=(2, 3, 6)).astype("float32"),
            "context": rng.normal(size=(2, 5, 4)).astype("float32"),
        },
        expected_output_shape=(2, 3, 6),
        expected_num_trainable_weights=8,
        tmp_path=tmp_path,
    )


def test_matches_reference_and_cached_context():
    rng = np.random.default_rng(1)
    query = rng.normal(size=(2, 4, 6)).astype("float32")
    context = rng.normal(size=(2, 5, 7)).astype("float32")
    context_mask = padding_mask([5, 2], 5)
    layer = CrossAttention(num_heads=2, key_dim=3, value_dim=2)
    output, weights = layer(
        query, context, context_mask=context_mask, return_attention_scores=True
    )
    mask = reference.merge(None, context_mask, tq=4, tk=5)
    expected, expected_weights = reference.multi_head_attention(
        query, context, context, numpy_weights(layer), 2, mask
    )
    assert_allclose(output, expected)
    assert_allclose(weights, expected_weights)
    cache = layer.compute_context_cache(context)
    for step in range(4):
        got = layer(
            query[:, step : step + 1],
            context_cache=cache,
            context_mask=context_mask,
        )
        assert_allclose(got[:, 0], expected[:, step])


def test_context_mask_from_embedding():
    query_tokens = keras.Input((3,), dtype="int32")
    context_tokens = keras.Input((4,), dtype="int32")
    embed = keras.layers.Embedding(10, 6, mask_zero=True)
    layer = CrossAttention(num_heads=2, key_dim=3)
    model = keras.Model(
        [query_tokens, context_tokens],
        layer(embed(query_tokens), embed(context_tokens)),
    )
    q, c = np.array([[1, 2, 3]]), np.array([[4, 5, 0, 0]])
    explicit = layer(embed(q), embed(c), context_mask=c != 0)
    assert_allclose(model.predict([q, c], verbose=0), explicit)


def test_needs_context_or_cache():
    layer = CrossAttention(num_heads=2, key_dim=3)
    with pytest.raises(ValueError, match="needs `context`"):
        layer(np.zeros((1, 2, 4), "float32"))
    with pytest.raises(ValueError, match="Call the layer once"):
        layer.compute_context_cache(np.zeros((1, 2, 4), "float32"))


def test_keras_weights_give_keras_outputs():
    rng = np.random.default_rng(2)
    query = rng.normal(size=(2, 3, 6)).astype("float32")
    context = rng.normal(size=(2, 5, 4)).astype("float32")
    keras_layer = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3)
    expected = keras_layer(query, context)
    layer = CrossAttention(num_heads=2, key_dim=3)
    layer(query, context)
    layer.set_weights(keras_layer.get_weights())
    assert_allclose(layer(query, context), expected)
    cache = layer.compute_context_cache(context)
    assert tuple(cache[0].shape) == (2, 5, 2, 3)
    assert_allclose(layer(query, context_cache=cache), expected)


def test_rejects_sliding_window():
    with pytest.raises(ValueError, match="`sliding_window` must be None"):
        CrossAttention(num_heads=2, key_dim=3, sliding_window=2)
    # The default and an explicit None are accepted.
    assert CrossAttention(2, 3, sliding_window=None).sliding_window is None
