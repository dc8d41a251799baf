"""Generic checks every attention_zoo layer must pass, on every backend.

`run_layer_test` builds the layer from its constructor arguments and a dict
of named call inputs, then checks, in order: config round trip, weight
counts after `build`, eager and symbolic calls, `jit_compile`, one `fit`
step that changes the weights, a `.keras` save and load without
`custom_objects` that gives the same outputs, mixed precision, and masking:
padding every sequence input with masked positions changes nothing.
"""

import os

import keras
import numpy as np
from keras import ops

BACKEND = keras.backend.backend()
JIT_BACKENDS = ("tensorflow", "jax")


def to_numpy(x):
    return np.asarray(ops.convert_to_numpy(x))


def first_output(outputs):
    return outputs[0] if isinstance(outputs, (tuple, list)) else outputs


def assert_allclose(actual, expected, atol=1e-5, rtol=1e-5):
    np.testing.assert_allclose(
        to_numpy(actual), to_numpy(expected), atol=atol, rtol=rtol
    )


def _symbolic_inputs(inputs):
    """`keras.Input`s with the shapes (batch left free) and dtypes given."""
    return {
        name: keras.Input(
            shape=value.shape[1:],
            dtype=str(value.dtype) if value.dtype != np.float64 else "float32",
            name=name,
        )
        for name, value in inputs.items()
    }


def _model(layer, inputs, call_kwargs):
    symbolic = _symbolic_inputs(inputs)
    outputs = first_output(layer(**symbolic, **call_kwargs))
    return keras.Model(symbolic, outputs)


def run_layer_test(
    layer_cls,
    init_kwargs,
    inputs,
    expected_output_shape,
    expected_num_trainable_weights,
    expected_num_non_trainable_weights=0,
    call_kwargs=None,
    run_training=True,
    run_mixed_precision=True,
    run_saving=True,
    run_masking=None,
    tmp_path=None,
):
    """Runs the common layer contract; raises `AssertionError` on a breach.

    Args:
        layer_cls: the layer class.
        init_kwargs: constructor arguments.
        inputs: dict of call argument name -> numpy array (float32 or int).
        expected_output_shape: shape of the (first) output for `inputs`.
        expected_num_trainable_weights: after building from `inputs`.
        expected_num_non_trainable_weights: likewise.
        call_kwargs: extra non-tensor call arguments.
        run_training: fit one step and check the weights moved.
        run_mixed_precision: call under mixed_float16 and mixed_bfloat16.
        run_saving: `.keras` round trip (needs `tmp_path`).
        run_masking: padding check; defaults to `layer.supports_masking`.
        tmp_path: a directory for the saved file.
    """
    call_kwargs = call_kwargs or {}

    # Config round trip, directly and through Keras serialization.
    layer = layer_cls(**init_kwargs)
    config = layer.get_config()
    assert layer_cls.from_config(config).get_config() == config
    restored = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(layer)
    )
    assert type(restored) is layer_cls
    assert restored.get_config() == config

    # Weight counts after an explicit build from the input shapes.
    layer = layer_cls(**init_kwargs)
    shapes = {f"{name}_shape": value.shape for name, value in inputs.items()}
    if len(shapes) == 1:
        layer.build(next(iter(shapes.values())))
    else:
        layer.build(**shapes)
    assert layer.built
    assert len(layer.trainable_weights) == expected_num_trainable_weights, [
        w.path for w in layer.trainable_weights
    ]
    assert (
        len(layer.non_trainable_weights) == expected_num_non_trainable_weights
    ), [w.path for w in layer.non_trainable_weights]

    # Eager call.
    layer = layer_cls(**init_kwargs)
    eager = first_output(layer(**inputs, **call_kwargs))
    assert tuple(eager.shape) == tuple(expected_output_shape)
    assert np.all(np.isfinite(to_numpy(eager)))

    # Symbolic call in a functional model: batch dimension left free.
    model = _model(layer, inputs, call_kwargs)
    assert tuple(model.output.shape) == (None, *expected_output_shape[1:])
    assert_allclose(model.predict(inputs, verbose=0), eager, atol=1e-4)

    if BACKEND in JIT_BACKENDS:
        model.compile(jit_compile=True)
        assert_allclose(model.predict(inputs, verbose=0), eager, atol=1e-4)

    if run_training:
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
        before = [to_numpy(w) for w in layer.trainable_weights]
        target = np.ones(expected_output_shape, "float32")
        history = model.fit(inputs, target, epochs=1, verbose=0)
        assert np.isfinite(history.history["loss"][0])
        after = [to_numpy(w) for w in layer.trainable_weights]
        moved = [not np.allclose(b, a) for b, a in zip(before, after)]
        assert any(moved), "no trainable weight changed after a fit step"

    if run_saving:
        path = os.path.join(tmp_path, f"{layer_cls.__name__}.keras")
        model.save(path)
        loaded = keras.saving.load_model(path)
        assert_allclose(
            loaded.predict(inputs, verbose=0),
            model.predict(inputs, verbose=0),
        )

    if run_mixed_precision:
        for policy in ("mixed_float16", "mixed_bfloat16"):
            mixed = layer_cls(**init_kwargs, dtype=policy)
            output = first_output(mixed(**inputs, **call_kwargs))
            compute_dtype = policy.split("_")[1]
            assert keras.backend.standardize_dtype(output.dtype) == (
                compute_dtype
            )
            assert all(w.dtype == "float32" for w in mixed.weights)
            assert np.all(np.isfinite(to_numpy(ops.cast(output, "float32"))))
            # Same numbers as float32, to the precision of the compute type.
            mixed_reference = layer_cls(**init_kwargs)
            mixed_reference(**inputs, **call_kwargs)
            mixed_reference.set_weights(mixed.get_weights())
            assert_allclose(
                ops.cast(output, "float32"),
                first_output(mixed_reference(**inputs, **call_kwargs)),
                atol=0.1,
                rtol=0.1,
            )

    if run_masking is None:
        run_masking = layer.supports_masking
    if run_masking:
        check_padding_is_ignored(layer_cls, init_kwargs, inputs, call_kwargs)


def check_padding_is_ignored(layer_cls, init_kwargs, inputs, call_kwargs):
    """Pads every sequence input with zero steps behind a `Masking` layer:
    the masks Keras propagates must make the padding invisible, so the
    outputs at the real positions equal those of the unpadded inputs."""
    layer = layer_cls(**init_kwargs)
    expected = to_numpy(first_output(layer(**inputs, **call_kwargs)))
    padding = 2
    raw, masked, padded = {}, {}, {}
    for name, value in inputs.items():
        is_sequence = value.ndim == 3 and value.dtype.kind == "f"
        if is_sequence:
            value = np.pad(value, ((0, 0), (0, padding), (0, 0)))
        padded[name] = value
        raw[name] = keras.Input(shape=value.shape[1:], name=name)
        masked[name] = (
            keras.layers.Masking(0.0)(raw[name]) if is_sequence else raw[name]
        )
    model = keras.Model(raw, first_output(layer(**masked, **call_kwargs)))
    got = to_numpy(model.predict(padded, verbose=0))
    if got.ndim == 3 and got.shape[1] == expected.shape[1] + padding:
        got = got[:, : expected.shape[1]]  # outputs at the real queries
    np.testing.assert_allclose(got, expected, atol=1e-5, rtol=1e-5)
