"""Learning-rate schedules a practitioner reaches for.

Where Keras has the schedule, these functions return Keras's own object
(serializable as it is); `InverseSquareRoot` is ours because Keras has no
Transformer schedule.
"""

import keras
from keras import ops

from attention_zoo._checks import check_positive_int


def _check_rate(name, value):
    if not isinstance(value, (int, float)) or value <= 0:
        raise ValueError(
            f"`{name}` must be a positive number; received {name}={value!r}."
        )


def warmup_cosine(peak_learning_rate, total_steps, warmup_steps=0, alpha=0.0):
    """Linear warmup from 0 to the peak, then cosine decay to `alpha * peak`.

    `lr(t) = peak * t / warmup` for `t < warmup`, then
    `peak * (alpha + (1 - alpha) * (1 + cos(pi * s / S)) / 2)` with
    `s = t - warmup`, `S = total_steps - warmup_steps` (Loshchilov and
    Hutter 2017, "SGDR").

    Returns:
        A `keras.optimizers.schedules.CosineDecay`.
    """
    _check_rate("peak_learning_rate", peak_learning_rate)
    total_steps = check_positive_int("total_steps", total_steps)
    if not isinstance(warmup_steps, int) or not 0 <= warmup_steps < total_steps:
        raise ValueError(
            "`warmup_steps` must be an integer in [0, total_steps); received "
            f"warmup_steps={warmup_steps!r} with total_steps={total_steps}."
        )
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=0.0 if warmup_steps else peak_learning_rate,
        decay_steps=total_steps - warmup_steps,
        alpha=alpha,
        warmup_target=peak_learning_rate if warmup_steps else None,
        warmup_steps=warmup_steps,
    )


def step_decay(initial_learning_rate, drop_every, factor=0.1):
    """`lr(t) = initial * factor ** floor(t / drop_every)`.

    Returns:
        A `keras.optimizers.schedules.ExponentialDecay` with `staircase`.
    """
    _check_rate("initial_learning_rate", initial_learning_rate)
    drop_every = check_positive_int("drop_every", drop_every)
    return keras.optimizers.schedules.ExponentialDecay(
        initial_learning_rate, drop_every, factor, staircase=True
    )


def exponential_decay(initial_learning_rate, decay_steps, decay_rate):
    """`lr(t) = initial * decay_rate ** (t / decay_steps)`.

    Returns:
        A `keras.optimizers.schedules.ExponentialDecay`.
    """
    _check_rate("initial_learning_rate", initial_learning_rate)
    decay_steps = check_positive_int("decay_steps", decay_steps)
    return keras.optimizers.schedules.ExponentialDecay(
        initial_learning_rate, decay_steps, decay_rate
    )


@keras.saving.register_keras_serializable(package="attention_zoo")
class InverseSquareRoot(keras.optimizers.schedules.LearningRateSchedule):
    """The Transformer schedule: linear warmup, then `1 / sqrt(step)` decay.

    `lr(t) = peak * min(t / warmup, sqrt(warmup / t))` with `t` counted
    from 1, so the rate reaches `peak` at `t = warmup_steps`. With
    `peak = d_model ** -0.5 * warmup ** -0.5` this is the schedule of
    Vaswani et al. 2017, section 5.3.

    Args:
        peak_learning_rate: the rate at the end of warmup.
        warmup_steps: length of the linear warmup.

    Example:

    >>> schedule = InverseSquareRoot(1e-3, warmup_steps=100)
    >>> round(float(schedule(399)), 6)  # step 400: 1e-3 * sqrt(100 / 400)
    0.0005
    """

    def __init__(self, peak_learning_rate, warmup_steps):
        _check_rate("peak_learning_rate", peak_learning_rate)
        self.peak_learning_rate = peak_learning_rate
        self.warmup_steps = check_positive_int("warmup_steps", warmup_steps)

    def __call__(self, step):
        step = ops.cast(step, "float32") + 1.0
        warmup = ops.cast(self.warmup_steps, "float32")
        factor = ops.minimum(step / warmup, ops.sqrt(warmup / step))
        return self.peak_learning_rate * factor

    def get_config(self):
        return {
            "peak_learning_rate": self.peak_learning_rate,
            "warmup_steps": self.warmup_steps,
        }
