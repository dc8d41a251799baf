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
    """The projections as 2-D kernels and flat biases, the layout that
    `tests.reference.multi_head_attention` takes: `(dim, heads, depth)`
    kernels become `(dim, heads * depth)`, the output kernel
    `(heads, depth, dim)` becomes `(heads * depth, dim)`."""
    weights = {}
    for name in ("query", "key", "value", "output"):
        dense = getattr(layer, f"{name}_dense")
        kernel = to_numpy(dense.kernel)
        rows = kernel.shape[0] * (kernel.shape[1] if name == "output" else 1)
        weights[f"{name}_kernel"] = kernel.reshape(rows, -1)
        bias = None if dense.bias is None else to_numpy(dense.bias)
        weights[f"{name}_bias"] = None if bias is None else bias.reshape(-1)
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
    quantized = keras.layers.MultiHeadAttention(2, 4)
    quantized(np.zeros((1, 2, 3), "float32"), np.zeros((1, 2, 3), "float32"))
    quantized.value_dense.quantize("int8")
    with pytest.raises(ValueError, match="`value_dense` is int8"):
        MultiHeadAttention.from_keras(quantized)


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
        for k in (
            layer.query_dense.kernel,
            layer.key_dense.kernel,
            layer.value_dense.kernel,
        )
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


# Keras sublayers: layout, quantization, LoRA, old files ---------------------

KERAS_LAYOUT_CONFIGS = [
    {"num_heads": 2, "key_dim": 3},
    {"num_heads": 3, "key_dim": 2, "value_dim": 4, "output_shape": 5},
    {"num_heads": 2, "key_dim": 3, "use_bias": False},
]


@pytest.mark.parametrize(
    "kwargs", KERAS_LAYOUT_CONFIGS, ids=["default", "dims", "no_bias"]
)
def test_weights_have_the_keras_layout(kwargs):
    rng = np.random.default_rng(14)
    # (batch, length, dim) of the query, value and key
    shapes = ((2, 4, 6), (2, 5, 7), (2, 5, 8))
    query, value, key = (random(rng, *shape) for shape in shapes)
    arguments = {"key": key, "use_causal_mask": True}
    keras_layer = keras.layers.MultiHeadAttention(**kwargs)
    # Weights returned: Keras's fused path on JAX needs key_dim == value_dim.
    expected, _ = keras_layer(
        query, value, return_attention_scores=True, **arguments
    )
    ours = MultiHeadAttention(**kwargs)
    ours(query, value, key=key)
    assert [tuple(w.shape) for w in ours.weights] == [
        tuple(w.shape) for w in keras_layer.weights
    ]
    # Same sublayer names, so the same variable paths below the layer.
    assert [w.path.split("/", 1)[1] for w in ours.weights] == [
        w.path.split("/", 1)[1] for w in keras_layer.weights
    ]
    heads, key_dim = kwargs["num_heads"], kwargs["key_dim"]
    assert tuple(ours.query_dense.kernel.shape) == (6, heads, key_dim)
    assert tuple(ours.key_dense.kernel.shape) == (8, heads, key_dim)
    ours.set_weights(keras_layer.get_weights())
    assert_allclose(ours(query, value, **arguments), expected)


def quantized_error(layer, x):
    """`(model, largest |int8 output - float output|)` of `Input -> layer`."""
    inputs = keras.Input(x.shape[1:])
    model = keras.Model(inputs, layer(inputs, inputs))
    before = to_numpy(model.predict(x, verbose=0))
    model.quantize("int8")
    after = to_numpy(model.predict(x, verbose=0))
    return model, np.max(np.abs(after - before))


def test_int8_quantization_quantizes_our_projections_as_keras():
    rng = np.random.default_rng(15)
    x = random(rng, 2, 6, 16)
    keras_layer = keras.layers.MultiHeadAttention(num_heads=2, key_dim=8)
    keras_layer(x, x)
    ours = MultiHeadAttention.from_keras(keras_layer)
    keras_model, keras_error = quantized_error(keras_layer, x)
    model, error = quantized_error(ours, x)

    def quantized(model):
        return [
            w.path.split("/", 1)[1]
            for w in model.weights
            if w.dtype == "int8" or w.path.endswith("kernel_scale")
        ]

    # An int8 kernel and its scale in each of the four projections.
    assert len(quantized(keras_model)) == 8
    assert quantized(model) == quantized(keras_model)
    # int8 changes the outputs (the projections really are quantized), by
    # no more than it changes Keras's.
    assert 0 < error <= 2 * keras_error, (error, keras_error)
    # The explicit path (returned weights) honours quantization too.
    output, _ = ours(x, x, return_attention_scores=True)
    assert_allclose(output, model.predict(x, verbose=0), atol=1e-5)


def trainable(layer):
    return [
        (w.path.split("/", 1)[1], tuple(w.shape))
        for w in layer.trainable_weights
    ]


def test_lora_on_query_and_value_as_keras():
    rng = np.random.default_rng(16)
    x, target = random(rng, 4, 5, 8), random(rng, 4, 5, 8)
    keras_layer = keras.layers.MultiHeadAttention(num_heads=2, key_dim=5)
    keras_layer(x, x)
    ours = MultiHeadAttention.from_keras(keras_layer)
    before = to_numpy(ours(x, x))
    for layer in (keras_layer, ours):
        layer.query_dense.enable_lora(4)
        layer.value_dense.enable_lora(4)
    assert trainable(ours) == trainable(keras_layer)
    names = [name for name, _ in trainable(ours)]
    # Frozen query and value kernels, their adapters trained instead.
    assert "query/kernel" not in names and "value/kernel" not in names
    assert "key/kernel" in names and "attention_output/kernel" in names
    # Keras's factorisation of a (dim, heads, key_dim) kernel.
    assert ("query/lora_kernel_a", (8, 2, 4)) in trainable(ours)
    assert ("query/lora_kernel_b", (4, 5)) in trainable(ours)
    assert_allclose(ours(x, x), before)  # LoRA starts as a no-op
    ours.set_weights(keras_layer.get_weights())  # the same random LoRA A

    def fit_once(layer):
        inputs = keras.Input((5, 8))
        model = keras.Model(inputs, layer(inputs, inputs))
        model.compile(optimizer=keras.optimizers.SGD(1.0), loss="mse")
        frozen = [to_numpy(w) for w in layer.non_trainable_weights]
        model.fit(x, target, epochs=1, batch_size=4, verbose=0)
        for old, new in zip(frozen, layer.non_trainable_weights):
            np.testing.assert_array_equal(old, to_numpy(new))
        return to_numpy(model.predict(x, verbose=0))

    trained = fit_once(ours)
    assert np.max(np.abs(trained - before)) > 1e-3
    assert_allclose(trained, fit_once(keras_layer), atol=1e-5)


def to_old_layout(path):
    """Rewrites the `.keras` file at `path` in the layout of the layer before
    it had sublayers: all weights its own, 2-D kernels, flat biases, then
    the cosine temperature."""
    import io
    import zipfile

    import h5py

    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    buffer = io.BytesIO(files["model.weights.h5"])
    with h5py.File(buffer, "r+") as h5:
        group = h5["layers/multi_head_attention"]
        values = []
        for name in ("query_dense", "key_dense", "value_dense", "output_dense"):
            stored = group[name]["vars"]
            kernel = stored["0"][()]
            rows = np.prod(kernel.shape[: 2 if name == "output_dense" else 1])
            values.append(kernel.reshape(rows, -1))
            if "1" in stored:
                values.append(stored["1"][()].reshape(-1))
            del group[name]
        own = group["vars"]
        values += [own[key][()] for key in sorted(own, key=int)]
        for key in list(own):
            del own[key]
        for index, value in enumerate(values):
            own.create_dataset(str(index), data=value)
    files["model.weights.h5"] = buffer.getvalue()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"num_heads": 2, "key_dim": 4},
        {"num_heads": 2, "key_dim": 3, "use_bias": False, "score": "cosine"},
    ],
    ids=["dot", "cosine_no_bias"],
)
def test_files_of_the_old_layout_load(kwargs, tmp_path):
    rng = np.random.default_rng(17)
    x = random(rng, 2, 5, 8)
    inputs = keras.Input((5, 8))
    layer = MultiHeadAttention(**kwargs, output_shape=6)
    model = keras.Model(inputs, layer(inputs, inputs, use_causal_mask=True))
    if "score" in kwargs:  # a temperature that is not the initial one
        layer.log_inverse_temperature.assign(np.array([1.0, 2.0], "float32"))
    expected = model.predict(x, verbose=0)
    path = str(tmp_path / "old.keras")
    model.save(path)
    to_old_layout(path)
    loaded = keras.saving.load_model(path)
    assert_allclose(loaded.predict(x, verbose=0), expected)
    # A file of the old layout with the wrong number of weights still fails.
    broken = MultiHeadAttention(**kwargs)
    broken.build((None, 5, 8), (None, 5, 8))
    with pytest.raises(ValueError, match="expected"):
        broken.load_own_variables(
            {str(i): np.zeros((8, 8), "float32") for i in range(2)}
        )


def test_mismatched_inputs_raise_one_clear_error():
    layer = MultiHeadAttention(2, 4)
    x = np.zeros((2, 5, 8), "float32")
    with pytest.raises(ValueError, match="same length"):
        layer(x, x, key=np.zeros((2, 3, 8), "float32"))
    with pytest.raises(ValueError, match="same batch size"):
        layer(x, np.zeros((3, 5, 8), "float32"))
    with pytest.raises(ValueError, match="value_dim"):
        MultiHeadAttention(2, 4, value_dim=0)


def test_cache_update_index_out_of_range_is_refused():
    layer = MultiHeadAttention(2, 4)
    x = np.zeros((1, 1, 8), "float32")
    layer(x, x)
    cache = layer.initial_cache(1, 5)
    for index in (-1, 5, 7):
        with pytest.raises(ValueError, match="cache_update_index"):
            layer(x, x, cache=cache, cache_update_index=index)
    layer(x, x, cache=cache, cache_update_index=4)  # the last position
