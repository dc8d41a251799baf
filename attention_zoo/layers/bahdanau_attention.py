"""Additive attention with real projections (Bahdanau et al. 2015)."""

import keras

from attention_zoo._checks import check_positive_int
from attention_zoo._checks import fresh_initializer
from attention_zoo.layers.base_attention import BaseAttention
from attention_zoo.ops.scores import additive_score


@keras.saving.register_keras_serializable(package="attention_zoo")
class BahdanauAttention(BaseAttention):
    """Additive attention: `score(q, k) = v^T tanh(W_q q + W_k k + b)`.

    The query and the keys are projected to `units` dimensions, added, passed
    through `tanh` and reduced by a learned vector `v`. Unlike
    `keras.layers.AdditiveAttention`, which scores `sum(tanh(q + k))` with no
    projections, this is the score of the paper, so query and keys may have
    different sizes. The values are not projected: the output has the
    values' size.

    Args:
        units: size of the hidden projection (`W_q`, `W_k`, `v`).
        use_bias: adds the bias `b` inside the `tanh`.
        kernel_initializer: initializer of `W_q`, `W_k` and `v`.
        bias_initializer: initializer of `b`.
        dropout: fraction of attention weights dropped during training.
        seed: seed of the dropout.

    Call arguments and returns: see `BaseAttention`.

    Example:

    >>> decoder_state = keras.random.normal((2, 16))
    >>> encoder_outputs = keras.random.normal((2, 7, 32))
    >>> layer = BahdanauAttention(units=8)
    >>> context, weights = layer(
    ...     decoder_state, encoder_outputs, return_attention_scores=True)
    >>> tuple(context.shape), tuple(weights.shape)
    ((2, 32), (2, 7))

    Reference: Bahdanau, Cho and Bengio 2015, "Neural Machine Translation by
    Jointly Learning to Align and Translate", arXiv:1409.0473.
    """

    def __init__(
        self,
        units,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        dropout=0.0,
        seed=None,
        **kwargs,
    ):
        super().__init__(dropout=dropout, seed=seed, **kwargs)
        self.units = check_positive_int("units", units)
        self.use_bias = use_bias
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)

    def build_score(self, query_dim, key_dim):
        self.query_kernel = self.add_weight(
            shape=(query_dim, self.units),
            initializer=fresh_initializer(self.kernel_initializer),
            name="query_kernel",
        )
        self.key_kernel = self.add_weight(
            shape=(key_dim, self.units),
            initializer=fresh_initializer(self.kernel_initializer),
            name="key_kernel",
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(self.units,),
                initializer=self.bias_initializer,
                name="bias",
            )
        self.attention_vector = self.add_weight(
            shape=(self.units,),
            initializer=fresh_initializer(self.kernel_initializer),
            name="attention_vector",
        )

    def score(self, query, key):
        return additive_score(
            query,
            key,
            self.query_kernel,
            self.key_kernel,
            self.attention_vector,
            self.bias,
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "use_bias": self.use_bias,
                "kernel_initializer": keras.initializers.serialize(
                    self.kernel_initializer
                ),
                "bias_initializer": keras.initializers.serialize(
                    self.bias_initializer
                ),
            }
        )
        return config
