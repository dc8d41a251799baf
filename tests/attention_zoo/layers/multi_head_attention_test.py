import keras
import numpy as np
import pytest

from attention_zoo.layers import MultiHeadAttention
from tests import reference
from tests.single_head import padding_mask
from tests.test_case import BACKEND
from tests.test_case import assert_allclose
from tests.test_case import run_layer_test
from tests.test_case import to_numpy


def numpy_weights(layer):
    names = ["query", "key", "value", "output"]
    weights = {}
    for name in names:
        weights[f"{name}_kernel"] = to_numpy(getattr(layer, f"{name}_kernel"))
        bias = getattr(layer, f"{name}_bias")
        weights[f"{name}_bias"] = None if bias is None else to_numpy(bias)
    return weights


def random(rng, *shape):
    return rng.normal(size=shape).astype("float32")


def test_layer_contract(tmp_path):
    rng = np.random.default_rng(0)
    run_layer_test(
        MultiHeadAttention,
        {"num_heads": 2, "key_dim": 3, "value_dim": 4, "output_shape": 5},
        {"query": random(rng, 2, 3, 6), "value": random(rng, 2, 4, 7)},
        expected_output_shape=(2, 3, 5),
        expected_num_trainable_weights=8,
        tmp_path=tmp_path,
    )


def test_layer_contract_cosine_no_bias(tmp_path):
    rng = np.random.default_rng(1)
    run_layer_test(
        MultiHeadAttention,
        {"num_heads": 2, "key_dim": 4, "use_bias": False, "score": "cosine"},
        {
            "query": random(rng, 2, 3, 6),
            "value": random(rng, 2, 4, 6),
            "key": random(rng, 2, 4, 5),
        },
        expected_output_shape=(2, 3, 6),
        # four kernels and one temperature per head
        expected_num_trainable_weights=5,
        tmp_path=tmp_path,
    )


@pytest.mark.parametrize("scores", [False, True], ids=["fused", "explicit"])
def test_matches_numpy_reference_with_masks(scores):
    rng = np.random.default_rng(2)
    query, value, key = (
        random(rng, 3, 4, 6),
        random(rng, 3, 5, 7),
        random(rng, 3, 5, 8),
    )
    query_mask = padding_mask([4, 3, 0], 4)
    value_mask = padding_mask([5, 2, 4], 5)
    attention_mask = rng.random((3, 4, 5)) > 0.3
    layer = MultiHeadAttention(num_heads=3, key_dim=2, value_dim=3)
    outputs = layer(
        query,
        value,
        key=key,
        query_mask=query_mask,
        value_mask=value_mask,
        attention_mask=attention_mask,
        use_causal_mask=True,
        return_attention_scores=scores,
    )
    mask = (
        reference.merge(query_mask, value_mask, causal=True, tq=4, tk=5)
        & attention_mask
    )
    expected, expected_weights = reference.multi_head_attention(
        query, value, key, numpy_weights(layer), 3, mask
    )
    if scores:
        output, weights = outputs
        assert tuple(weights.shape) == (3, 3, 4, 5)
        assert_allclose(weights, expected_weights)
    else:
        output = outputs
    assert_allclose(output, expected)
    # The query with no key (all masked) gets exactly the output bias.
    assert_allclose(output[2], np.zeros((4, 6)))


def test_self_attention_on_one_tensor_equals_copies():
    rng = np.random.default_rng(3)
    x = random(rng, 2, 5, 8)
    layer = MultiHeadAttention(num_heads=2, key_dim=4)
    fused = layer(x, x, use_causal_mask=True)
    separate = layer(x, x.copy(), key=x.copy(), use_causal_mask=True)
    assert_allclose(fused, separate)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"num_heads": 2, "key_dim": 4},
        {"num_heads": 3, "key_dim": 2, "value_dim": 5, "output_shape": 7},
        {"num_heads": 2, "key_dim": 4, "use_bias": False},
    ],
    ids=["default", "dims", "no_bias"],
)
@pytest.mark.parametrize("causal", [False, True], ids=["full", "causal"])
@pytest.mark.parametrize("with_mask", [False, True], ids=["", "attention_mask"])
def test_from_keras_matches_keras(kwargs, causal, with_mask):
    rng = np.random.default_rng(4)
    query, value = random(rng, 2, 5, 6), random(rng, 2, 7, 9)
    attention_mask = None
    if with_mask:
        attention_mask = rng.random((2, 5, 7)) > 0.4
        attention_mask[:, :, 0] = True  # no query without a key
    keras_layer = keras.layers.MultiHeadAttention(**kwargs)
    expected, expected_weights = keras_layer(
        query,
        value,
        attention_mask=attention_mask,
        use_causal_mask=causal,
        return_attention_scores=True,
    )
    ours = MultiHeadAttention.from_keras(keras_layer)
    assert ours.built
    for scores in (False, True):
        got = ours(
            query,
            value,
            attention_mask=attention_mask,
            use_causal_mask=causal,
            return_attention_scores=scores,
        )
        if scores:
            got, weights = got
            assert_allclose(weights, expected_weights)
        assert_allclose(got, expected)


def test_from_keras_rejects_unbuilt_and_wrong_layers():
    with pytest.raises(ValueError, match="must be built"):
        MultiHeadAttention.from_keras(keras.layers.MultiHeadAttention(2, 4))
    with pytest.raises(TypeError, match="keras.layers.MultiHeadAttention"):
        MultiHeadAttention.from_keras(keras.layers.Dense(3))
    gated = keras.layers.MultiHeadAttention(2, 4, use_gate=True)
    gated(np.zeros((1, 2, 3), "float32"), np.zeros((1, 2, 3), "float32"))
    with pytest.raises(ValueError, match="use_gate"):
        MultiHeadAttention.from_keras(gated)


@pytest.mark.parametrize("step", [1, 2], ids=["one_token", "two_tokens"])
def test_cached_decoding_equals_full_causal_call(step):
    rng = np.random.default_rng(5)
    x = random(rng, 2, 6, 8)
    layer = MultiHeadAttention(num_heads=2, key_dim=4)
    full = to_numpy(layer(x, x, use_causal_mask=True))
    cache = layer.initial_cache(batch_size=2, max_length=6)
    outputs = []
    for start in range(0, 6, step):
        tokens = x[:, start : start + step]
        output, cache = layer(
            tokens, tokens, cache=cache, cache_update_index=start
        )
        outputs.append(to_numpy(output))
    assert_allclose(np.concatenate(outputs, axis=1), full)
    # The cache now holds every position's projected key and value.
    key, value = layer.project_key_value(x)
    assert_allclose(to_numpy(cache)[:, 0], key)
    assert_allclose(to_numpy(cache)[:, 1], value)


def test_cached_decoding_under_jit():
    if BACKEND not in ("tensorflow", "jax"):
        pytest.skip("jit_compile is a TensorFlow and JAX feature")
    rng = np.random.default_rng(6)
    x = random(rng, 2, 4, 8)
    layer = MultiHeadAttention(num_heads=2, key_dim=4)
    full = to_numpy(layer(x, x, use_causal_mask=True))
    tokens = keras.Input((1, 8), batch_size=2)
    cache_in = keras.Input((2, 4, 2, 4), batch_size=2)
    index = keras.Input((), batch_size=2, dtype="int32")

    class Step(keras.layers.Layer):
        def call(self, tokens, cache, index):
            return layer(
                tokens, tokens, cache=cache, cache_update_index=index[0]
            )

    output, cache_out = Step()(tokens, cache_in, index)
    model = keras.Model([tokens, cache_in, index], [output, cache_out])
    model.compile(jit_compile=True)
    cache = to_numpy(layer.initial_cache(2, 4))
    outputs = []
    for i in range(4):
        output, cache = model.predict_on_batch(
            [x[:, i : i + 1], cache, np.full((2,), i, "int32")]
        )
        outputs.append(to_numpy(output))
    assert_allclose(np.concatenate(outputs, axis=1), full)


def test_cache_with_padding_mask():
    rng = np.random.default_rng(7)
    x = random(rng, 2, 4, 8)
    padding = padding_mask([4, 2], 4)
    layer = MultiHeadAttention(num_heads=2, key_dim=4)
    full = to_numpy(layer(x, x, value_mask=padding, use_causal_mask=True))
    cache = layer.initial_cache(2, 4)
    for i in range(4):
        output, cache = layer(
            x[:, i : i + 1],
            x[:, i : i + 1],
            attention_mask=padding[:, None, :],
            cache=cache,
            cache_update_index=i,
        )
        assert_allclose(output[:, 0], full[:, i])


def test_bad_cache_arguments():
    layer = MultiHeadAttention(num_heads=2, key_dim=4)
    x = np.zeros((1, 1, 8), "float32")
    with pytest.raises(ValueError, match="`cache` must have shape"):
        layer(x, x, cache=np.zeros((1, 2, 3, 2, 5)), cache_update_index=0)
    with pytest.raises(ValueError, match="`cache_update_index` is required"):
        layer(x, x, cache=layer.initial_cache(1, 3))
    with pytest.raises(ValueError, match="key_dim == value_dim"):
        MultiHeadAttention(num_heads=2, key_dim=4, value_dim=3).initial_cache(
            1, 3
        )


@pytest.mark.parametrize("causal", [False, True])
def test_query_chunks_give_the_same_result(causal):
    rng = np.random.default_rng(8)
    x = random(rng, 2, 10, 8)
    padding = padding_mask([10, 6], 10)
    whole = MultiHeadAttention(num_heads=2, key_dim=4)
    expected = whole(
        x, x, query_mask=padding, value_mask=padding, use_causal_mask=causal
    )
    chunked = MultiHeadAttention(num_heads=2, key_dim=4, query_chunk_size=3)
    chunked(x, x)
    chunked.set_weights(whole.get_weights())
    got = chunked(
        x, x, query_mask=padding, value_mask=padding, use_causal_mask=causal
    )
    assert_allclose(got, expected)


def test_cosine_score_matches_reference():
    rng = np.random.default_rng(9)
    query, value = random(rng, 2, 3, 6), random(rng, 2, 4, 6)
    layer = MultiHeadAttention(num_heads=2, key_dim=3, score="cosine")
    _, weights = layer(query, value, return_attention_scores=True)
    w = numpy_weights(layer)
    q = (query @ w["query_kernel"] + w["query_bias"]).reshape(2, 3, 2, 3)
    k = (value @ w["key_kernel"] + w["key_bias"]).reshape(2, 4, 2, 3)
    for head in range(2):
        scores = reference.cosine_scores(q[:, :, head], k[:, :, head], 10.0)
        assert_allclose(weights[:, head], reference.softmax(scores))
    assert_allclose(
        layer(query, value),
        layer(query, value, return_attention_scores=True)[0],
    )


def test_embedding_masks_propagate():
    tokens = keras.Input((4,), dtype="int32")
    embedded = keras.layers.Embedding(10, 8, mask_zero=True)(tokens)
    layer = MultiHeadAttention(num_heads=2, key_dim=4)
    model = keras.Model(tokens, layer(embedded, embedded))
    batch = np.array([[1, 2, 3, 0], [4, 0, 0, 0]])
    embed = model.layers[1]
    explicit = layer(
        embed(batch), embed(batch), query_mask=batch != 0, value_mask=batch != 0
    )
    assert_allclose(model.predict(batch, verbose=0), explicit)


def test_dropout_only_in_training():
    rng = np.random.default_rng(10)
    x = random(rng, 2, 6, 8)
    layer = MultiHeadAttention(num_heads=2, key_dim=4, dropout=0.5, seed=3)
    inference = to_numpy(layer(x, x))
    assert_allclose(layer(x, x, training=False), inference)
    assert not np.allclose(to_numpy(layer(x, x, training=True)), inference)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"num_heads": 0, "key_dim": 4}, "`num_heads` must be a positive"),
        ({"num_heads": 2.0, "key_dim": 4}, "`num_heads` must be a positive"),
        ({"num_heads": 2, "key_dim": -1}, "`key_dim` must be a positive"),
        ({"num_heads": 2, "key_dim": 4, "score": "bilinear"}, "`score` must"),
        ({"num_heads": 2, "key_dim": 4, "attention_axes": (2,)}, "attention_"),
        ({"num_heads": 2, "key_dim": 4, "output_shape": (2, 3)}, "1-tuple"),
    ],
)
def test_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MultiHeadAttention(**kwargs)


def test_rejects_bad_inputs():
    layer = MultiHeadAttention(num_heads=2, key_dim=4)
    with pytest.raises(ValueError, match="`query` must have rank 3"):
        layer(np.zeros((2, 8), "float32"), np.zeros((2, 3, 8), "float32"))
    x = np.zeros((2, 3, 8), "float32")
    with pytest.raises(ValueError, match="`attention_mask` must have a shape"):
        layer(x, x, attention_mask=np.ones((2, 3, 4), bool))


def test_projection_kernels_start_different():
    layer = MultiHeadAttention(num_heads=2, key_dim=4)
    layer.build((None, 3, 8), (None, 3, 8))
    kernels = [
        to_numpy(k)
        for k in (layer.query_kernel, layer.key_kernel, layer.value_kernel)
    ]
    assert not np.allclose(kernels[0], kernels[1])
    assert not np.allclose(kernels[1], kernels[2])


def test_converted_layer_trains_independently():
    rng = np.random.default_rng(11)
    x = random(rng, 4, 5, 8)
    keras_layer = keras.layers.MultiHeadAttention(2, 4)
    keras_layer(x, x)
    before = to_numpy(keras_layer.output_dense.bias)
    ours = MultiHeadAttention.from_keras(keras_layer)
    inputs = keras.Input((5, 8))
    model = keras.Model(inputs, ours(inputs, inputs))
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="mse")
    model.fit(x, np.ones((4, 5, 8), "float32"), epochs=2, verbose=0)
    # The Keras layer is untouched and still usable.
    np.testing.assert_array_equal(
        to_numpy(keras_layer.output_dense.bias), before
    )
    assert np.all(np.isfinite(to_numpy(keras_layer(x, x))))


def test_rank_is_checked_on_a_built_layer():
    layer = MultiHeadAttention(num_heads=2, key_dim=4)
    x = np.zeros((2, 3, 8), "float32")
    layer(x, x)
    with pytest.raises(ValueError, match="`query` must have rank 3"):
        layer(np.zeros((2, 8), "float32"), x)


@pytest.mark.parametrize("causal", [False, True], ids=["band", "causal_band"])
def test_sliding_window_matches_keras(causal):
    rng = np.random.default_rng(12)
    x = random(rng, 2, 7, 8)
    keras_layer = keras.layers.MultiHeadAttention(2, 4, sliding_window=3)
    expected = keras_layer(x, x, use_causal_mask=causal)
    ours = MultiHeadAttention.from_keras(keras_layer)
    assert ours.sliding_window == 3
    for scores in (False, True):
        got = ours(x, x, use_causal_mask=causal, return_attention_scores=scores)
        if scores:
            got, weights = got
            band = np.abs(np.arange(7)[:, None] - np.arange(7)[None]) < 3
            assert np.all(to_numpy(weights)[:, :, ~band] == 0.0)
        assert_allclose(got, expected)


def test_sliding_window_cached_decoding_equals_full_call():
    rng = np.random.default_rng(13)
    x = random(rng, 2, 6, 8)
    layer = MultiHeadAttention(num_heads=2, key_dim=4, sliding_window=2)
    full = to_numpy(layer(x, x, use_causal_mask=True))
    cache = layer.initial_cache(2, 6)
    for i in range(6):
        step, cache = layer(
            x[:, i : i + 1], x[:, i : i + 1], cache=cache, cache_update_index=i
        )
        assert_allclose(step[:, 0], full[:, i])


def test_keras_config_loads_without_gate():
    keras_layer = keras.layers.MultiHeadAttention(2, 4, sliding_window=5)
    config = keras_layer.get_config()
    config.pop("use_gate")  # the one Keras argument we do not implement
    layer = MultiHeadAttention.from_config(config)
    assert layer.sliding_window == 5 and layer.num_heads == 2
