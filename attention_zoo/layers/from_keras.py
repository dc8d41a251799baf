"""Conversion of a `keras.layers.MultiHeadAttention` into ours.

Both layers hold the same four `EinsumDense` projections (`query`, `key`,
`value`, `attention_output`) with the same equations and kernel shapes, so
a conversion is the constructor arguments plus a copy of the weights.
`MultiHeadAttention.from_keras(layer)` is the public entry point.
"""

import keras
import numpy as np

PROJECTIONS = ("query_dense", "key_dense", "value_dense", "output_dense")

# Constructor arguments that mean the same in both layers.
SHARED_ARGUMENTS = (
    "num_heads",
    "key_dim",
    "value_dim",
    "dropout",
    "use_bias",
    "sliding_window",
    "kernel_initializer",
    "bias_initializer",
    "kernel_regularizer",
    "bias_regularizer",
    "kernel_constraint",
    "bias_constraint",
    "seed",
)


def check_convertible(layer):
    """Raises unless `layer` is a built Keras layer that ours can copy."""
    if not isinstance(layer, keras.layers.MultiHeadAttention):
        raise TypeError(
            "`layer` must be a keras.layers.MultiHeadAttention; "
            f"received {type(layer).__name__}."
        )
    if not layer.built:
        raise ValueError(
            "`layer` must be built (called once, or `build()` with the "
            "input shapes) so that its weights exist."
        )
    config = layer.get_config()
    unsupported = {
        "attention_axes": config.get("attention_axes") not in (None, [1], (1,)),
        "use_gate": bool(config.get("use_gate")),
    }
    for name, present in unsupported.items():
        if present:
            raise ValueError(
                f"Cannot convert a layer with `{name}`={config.get(name)!r}; "
                "only sequence attention without gate is supported."
            )
    if len(layer.output_dense.kernel.shape) != 3:
        raise ValueError(
            "Cannot convert a layer with a multi-dimensional "
            f"output_shape={config.get('output_shape')!r}."
        )
    for name in PROJECTIONS:
        mode = getattr(layer, name).quantization_mode
        if mode is not None:
            raise ValueError(
                f"Cannot convert a quantized layer (`{name}` is {mode}); "
                "convert the float layer, then quantize the model."
            )


def convert_keras_layer(layer_class, layer, **kwargs):
    """A built `layer_class` with the config and weights of `layer`.

    Args:
        layer_class: `MultiHeadAttention` or a subclass.
        layer: a built `keras.layers.MultiHeadAttention` that attends over
            the sequence axis (no `attention_axes` or gate), has a 1-D
            output and is not quantized. Its `sliding_window`, initializers,
            regularizers and constraints are kept; its
            `activity_regularizer` is not (Keras applies it to each
            projection, ours to the layer's output). LoRA adapters are
            merged into the copied kernels.
        **kwargs: extra constructor arguments (`query_chunk_size`, ...).

    Returns:
        The converted layer, whose outputs equal `layer`'s.
    """
    check_convertible(layer)
    config = layer.get_config()
    query_dim = layer.query_dense.kernel.shape[0]
    output_dim = layer.output_dense.kernel.shape[-1]
    arguments = {name: config[name] for name in SHARED_ARGUMENTS}
    arguments.update(
        output_shape=None if output_dim == query_dim else output_dim,
        name=layer.name,
        dtype=layer.dtype_policy,
    )
    converted = layer_class(**{**arguments, **kwargs})
    converted.build(
        (None, None, query_dim),
        (None, None, layer.value_dense.kernel.shape[0]),
        (None, None, layer.key_dense.kernel.shape[0]),
    )
    for name in PROJECTIONS:
        source, target = getattr(layer, name), getattr(converted, name)
        # Through NumPy: a copy, so that the two layers never share a buffer
        # (on JAX, training one would delete the other's).
        target.kernel.assign(
            np.array(keras.ops.convert_to_numpy(source.kernel))
        )
        if source.bias is not None:
            target.bias.assign(
                np.array(keras.ops.convert_to_numpy(source.bias))
            )
    return converted
