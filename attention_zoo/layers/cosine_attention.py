"""Scaled cosine attention with a learned temperature (Swin V2)."""

import math

import keras
from keras import ops

from attention_zoo.layers.base_attention import BaseAttention
from attention_zoo.ops.scores import cosine_score


@keras.saving.register_keras_serializable(package="attention_zoo")
class CosineAttention(BaseAttention):
    """Cosine attention: `score(q, k) = cos(q, k) / tau`.

    Cosine scores lie in `[-1, 1]` whatever the size of the activations,
    which keeps attention from collapsing onto one key when activations
    grow. The temperature `tau` is learned as `log(1 / tau)` and kept above
    `min_temperature` (scores then stay within `+-1 / min_temperature`).

    Args:
        temperature: initial `tau`.
        min_temperature: floor of `tau` during training.
        trainable_temperature: learn `tau` (otherwise it stays fixed).
        dropout: fraction of attention weights dropped during training.
        seed: seed of the dropout.

    Call arguments and returns: see `BaseAttention`. Query and key must
    have the same last dimension.

    Example:

    >>> query = keras.random.normal((2, 5, 16))
    >>> value = keras.random.normal((2, 7, 16))
    >>> tuple(CosineAttention()(query, value).shape)
    (2, 5, 16)

    Reference: Liu et al. 2022, "Swin Transformer V2: Scaling Up Capacity
    and Resolution", arXiv:2111.09883 (section 3.2, scaled cosine
    attention).
    """

    def __init__(
        self,
        temperature=0.1,
        min_temperature=0.01,
        trainable_temperature=True,
        dropout=0.0,
        seed=None,
        **kwargs,
    ):
        super().__init__(dropout=dropout, seed=seed, **kwargs)
        for name, value in (
            ("temperature", temperature),
            ("min_temperature", min_temperature),
        ):
            if not isinstance(value, (int, float)) or value <= 0:
                raise ValueError(
                    f"`{name}` must be a positive number; received "
                    f"{name}={value!r}."
                )
        if temperature < min_temperature:
            raise ValueError(
                "`temperature` must be at least `min_temperature`; received "
                f"temperature={temperature} and "
                f"min_temperature={min_temperature}."
            )
        self.temperature = float(temperature)
        self.min_temperature = float(min_temperature)
        self.trainable_temperature = trainable_temperature

    def build_score(self, query_dim, key_dim):
        if query_dim != key_dim:
            raise ValueError(
                "Cosine scores compare query and key, so they need the same "
                f"last dimension; received query dimension {query_dim} and "
                f"key dimension {key_dim}. Project them to one size first "
                '(a Dense layer), or use LuongAttention(score_mode="general").'
            )
        self.log_inverse_temperature = self.add_weight(
            shape=(),
            initializer=keras.initializers.Constant(
                math.log(1.0 / self.temperature)
            ),
            trainable=self.trainable_temperature,
            name="log_inverse_temperature",
        )

    def inverse_temperature(self):
        """`1 / tau`, clipped so that `tau >= min_temperature`."""
        ceiling = math.log(1.0 / self.min_temperature)
        return ops.exp(ops.minimum(self.log_inverse_temperature, ceiling))

    def score(self, query, key):
        scale = ops.cast(self.inverse_temperature(), query.dtype)
        return cosine_score(query, key, scale)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "temperature": self.temperature,
                "min_temperature": self.min_temperature,
                "trainable_temperature": self.trainable_temperature,
            }
        )
        return config
