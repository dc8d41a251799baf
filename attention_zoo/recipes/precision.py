"""One switch for the numeric precision of training."""

import keras

PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")


def set_precision(precision):
    """Sets the global dtype policy for the models built afterwards.

    - `"float32"`: everything in float32.
    - `"mixed_bfloat16"`: compute in bfloat16, weights in float32 (TPUs,
      recent CPUs and GPUs); no loss scaling needed.
    - `"mixed_float16"`: compute in float16, weights in float32 (GPUs);
      `model.compile` then wraps the optimizer in a
      `keras.optimizers.LossScaleOptimizer`, which scales the loss so that
      small float16 gradients do not flush to zero.

    Our layers compute their softmax in float32 under every policy.

    Returns:
        The new `keras.DTypePolicy`.
    """
    if precision not in PRECISIONS:
        raise ValueError(
            f"`precision` must be one of {', '.join(PRECISIONS)}; received "
            f"precision={precision!r}."
        )
    keras.config.set_dtype_policy(precision)
    return keras.config.dtype_policy()
