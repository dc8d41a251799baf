"""The contract shared by every single-head layer (BaseAttention)."""

import keras
import numpy as np
import pytest

from attention_zoo.layers import BahdanauAttention
from attention_zoo.layers import LuongAttention
from tests import reference
from tests.single_head import SINGLE_HEAD_LAYERS
from tests.single_head import dims_for
from tests.single_head import padding_mask
from tests.single_head import random_inputs
from tests.single_head import reference_scores
from tests.test_case import assert_allclose
from tests.test_case import to_numpy

LAYER_IDS = [entry[0] for entry in SINGLE_HEAD_LAYERS]


@pytest.fixture(params=SINGLE_HEAD_LAYERS, ids=LAYER_IDS)
def single_head(request):
    _, layer_cls, kwargs, same_dims = request.param
    return layer_cls, kwargs, same_dims


def test_matches_numpy_reference_with_all_masks(single_head):
    layer_cls, kwargs, same_dims = single_head
    rng = np.random.default_rng(0)
    query_dim, key_dim = dims_for(same_dims)
    query, key, value = random_inputs(rng, 3, 4, 6, query_dim, key_dim, 7)
    query_mask = padding_mask([4, 2, 0], 4)  # last query row fully masked
    value_mask = padding_mask([6, 3, 5], 6)
    layer = layer_cls(**kwargs)
    output, weights = layer(
        query,
        value,
        key=key,
        query_mask=query_mask,
        value_mask=value_mask,
        use_causal_mask=True,
        return_attention_scores=True,
    )
    mask = reference.merge(query_mask, value_mask, causal=True, tq=4, tk=6)
    expected, expected_weights = reference.attend(
        reference_scores(layer, query, key), value, mask
    )
    assert_allclose(weights, expected_weights)
    assert_allclose(output, expected)


def test_weights_sum_to_one_over_unmasked_keys(single_head):
    layer_cls, kwargs, same_dims = single_head
    rng = np.random.default_rng(1)
    query_dim, key_dim = dims_for(same_dims)
    query, key, value = random_inputs(rng, 2, 3, 5, query_dim, key_dim, 4)
    value_mask = padding_mask([5, 2], 5)
    _, weights = layer_cls(**kwargs)(
        query,
        value,
        key=key,
        value_mask=value_mask,
        return_attention_scores=True,
    )
    weights = to_numpy(weights)
    np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-5)
    assert np.all(weights[1, :, 2:] == 0.0)


def test_fully_masked_rows_are_zero_and_gradients_finite(single_head):
    layer_cls, kwargs, same_dims = single_head
    rng = np.random.default_rng(2)
    query_dim, key_dim = dims_for(same_dims)
    query, key, value = random_inputs(rng, 2, 3, 4, query_dim, key_dim, 4)
    value_mask = padding_mask([4, 0], 4)  # second example has no key at all
    inputs = {
        "query": keras.Input((3, query_dim), name="query"),
        "value": keras.Input((4, 4), name="value"),
        "key": keras.Input((4, key_dim), name="key"),
        "value_mask": keras.Input((4,), dtype="bool", name="value_mask"),
    }
    layer = layer_cls(**kwargs)
    model = keras.Model(inputs, layer(**inputs))
    data = {
        "query": query,
        "value": value,
        "key": key,
        "value_mask": value_mask,
    }
    output = to_numpy(model.predict(data, verbose=0))
    assert np.all(np.isfinite(output))
    assert np.all(output[1] == 0.0)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    model.fit(data, np.ones((2, 3, 4), "float32"), verbose=0)
    for weight in layer.weights:
        assert np.all(np.isfinite(to_numpy(weight))), weight.path


def test_embedding_masks_propagate_like_explicit_masks(single_head):
    layer_cls, kwargs, same_dims = single_head
    tokens_query = np.array([[3, 4, 0], [5, 0, 0]])
    tokens_value = np.array([[1, 2, 3, 0], [4, 0, 0, 0]])
    query_in = keras.Input((3,), dtype="int32")
    value_in = keras.Input((4,), dtype="int32")
    embed = keras.layers.Embedding(10, 6, mask_zero=True)
    layer = layer_cls(**kwargs)
    output = layer(embed(query_in), embed(value_in))
    model = keras.Model([query_in, value_in], output)
    assert model.output.shape == (None, 3, 6)
    automatic = to_numpy(model.predict([tokens_query, tokens_value], verbose=0))
    explicit = layer(
        embed(tokens_query),
        embed(tokens_value),
        query_mask=tokens_query != 0,
        value_mask=tokens_value != 0,
    )
    assert_allclose(automatic, explicit)
    unmasked = layer(
        embed(tokens_query),
        embed(tokens_value),
        query_mask=np.ones((2, 3), bool),
        value_mask=np.ones((2, 4), bool),
    )
    assert not np.allclose(automatic, to_numpy(unmasked))


def test_output_keeps_the_query_mask(single_head):
    layer_cls, kwargs, _ = single_head
    tokens = keras.Input((4,), dtype="int32")
    embedded = keras.layers.Embedding(10, 6, mask_zero=True)(tokens)
    attended = layer_cls(**kwargs)(embedded, embedded)
    pooled = keras.layers.GlobalAveragePooling1D()(attended)
    model = keras.Model(tokens, pooled)
    batch = np.array([[1, 2, 0, 0]])
    manual = keras.Model(tokens, attended).predict(batch, verbose=0)[0, :2]
    assert_allclose(
        model.predict(batch, verbose=0)[0], manual.mean(0), atol=1e-5
    )


def test_rank_two_query_is_one_decoder_step(single_head):
    layer_cls, kwargs, same_dims = single_head
    rng = np.random.default_rng(3)
    query_dim, key_dim = dims_for(same_dims)
    query, key, value = random_inputs(rng, 2, 1, 5, query_dim, key_dim, 3)
    layer = layer_cls(**kwargs)
    value_mask = padding_mask([5, 3], 5)
    step, step_weights = layer(
        query[:, 0],
        value,
        key=key,
        value_mask=value_mask,
        return_attention_scores=True,
    )
    sequence, weights = layer(
        query,
        value,
        key=key,
        value_mask=value_mask,
        return_attention_scores=True,
    )
    assert tuple(step.shape) == (2, 3)
    assert tuple(step_weights.shape) == (2, 5)
    assert_allclose(step, to_numpy(sequence)[:, 0])
    assert_allclose(step_weights, to_numpy(weights)[:, 0])


@pytest.mark.parametrize("shape", [(5,), (2, 3, 4, 5)], ids=["rank1", "rank4"])
def test_rejects_query_of_wrong_rank(single_head, shape):
    layer_cls, kwargs, _ = single_head
    value = np.zeros((2, 4, 5), "float32")
    with pytest.raises(ValueError, match="`query` must have rank 2 or 3"):
        layer_cls(**kwargs)(np.zeros(shape, "float32"), value)


def test_rejects_mask_of_wrong_shape(single_head):
    layer_cls, kwargs, _ = single_head
    query = np.zeros((2, 3, 5), "float32")
    value = np.zeros((2, 4, 5), "float32")
    with pytest.raises(ValueError, match="`value_mask` must have a shape"):
        layer_cls(**kwargs)(query, value, value_mask=np.ones((2, 3), bool))
    with pytest.raises(ValueError, match="`query_mask` must have a shape"):
        layer_cls(**kwargs)(query, value, query_mask=np.ones((2, 4), bool))


def test_rejects_dropout_out_of_range(single_head):
    layer_cls, kwargs, _ = single_head
    with pytest.raises(ValueError, match="`dropout` must be a float in"):
        layer_cls(**kwargs, dropout=1.5)


def test_dropout_only_in_training(single_head):
    layer_cls, kwargs, same_dims = single_head
    rng = np.random.default_rng(4)
    query_dim, key_dim = dims_for(same_dims)
    query, key, value = random_inputs(rng, 2, 3, 8, query_dim, key_dim, 4)
    layer = layer_cls(**kwargs, dropout=0.5, seed=1)
    inference = layer(query, value, key=key)
    assert_allclose(inference, layer(query, value, key=key, training=False))
    trained = layer(query, value, key=key, training=True)
    assert not np.allclose(to_numpy(trained), to_numpy(inference))


def test_rank_is_checked_on_a_built_layer(single_head):
    layer_cls, kwargs, same_dims = single_head
    query_dim, key_dim = dims_for(same_dims)
    layer = layer_cls(**kwargs)
    layer(np.zeros((2, 3, query_dim), "float32"), np.zeros((2, 4, key_dim)))
    with pytest.raises(ValueError, match="`query` must have rank 2 or 3"):
        layer(np.zeros((2, 3, 1, query_dim)), np.zeros((2, 4, key_dim)))


def test_key_mask_from_embedding(single_head):
    layer_cls, kwargs, _ = single_head
    tokens_query = keras.Input((2,), dtype="int32")
    tokens_key = keras.Input((4,), dtype="int32")
    values = keras.Input((4, 3))
    embed = keras.layers.Embedding(10, 5, mask_zero=True)
    layer = layer_cls(**kwargs)
    _, weights = layer(
        embed(tokens_query),
        values,
        key=embed(tokens_key),
        return_attention_scores=True,
    )
    model = keras.Model([tokens_query, tokens_key, values], weights)
    got = model.predict(
        [np.array([[1, 2]]), np.array([[3, 4, 0, 0]]), np.ones((1, 4, 3))],
        verbose=0,
    )
    np.testing.assert_allclose(to_numpy(got)[0, :, 2:], 0.0)
    np.testing.assert_allclose(to_numpy(got).sum(-1), 1.0, rtol=1e-5)


def test_kernels_of_the_same_shape_start_different():
    layer = BahdanauAttention(units=4)
    layer.build((None, 3, 6), (None, 5, 6))
    assert not np.allclose(
        to_numpy(layer.query_kernel), to_numpy(layer.key_kernel)
    )
    layer = LuongAttention(score_mode="concat", units=6)
    layer.build((None, 3, 6), (None, 5, 6))
    assert not np.allclose(
        to_numpy(layer.query_kernel), to_numpy(layer.key_kernel)
    )


def test_rejects_mismatched_batches_and_lengths(single_head):
    layer_cls, kwargs, _ = single_head
    query = np.zeros((2, 3, 5), "float32")
    value = np.zeros((2, 4, 5), "float32")
    with pytest.raises(ValueError, match="same batch size"):
        layer_cls(**kwargs)(query, np.zeros((3, 4, 5), "float32"))
    with pytest.raises(ValueError, match="same length"):
        layer_cls(**kwargs)(query, value, key=np.zeros((2, 6, 5), "float32"))
