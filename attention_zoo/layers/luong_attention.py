"""Multiplicative attention (Luong et al. 2015): dot, general and concat."""

import keras

from attention_zoo._checks import check_choice
from attention_zoo._checks import check_positive_int
from attention_zoo._checks import fresh_initializer
from attention_zoo.layers.base_attention import BaseAttention
from attention_zoo.ops.scores import additive_score
from attention_zoo.ops.scores import dot_score
from attention_zoo.ops.scores import general_score

SCORE_MODES = ("dot", "general", "concat")


@keras.saving.register_keras_serializable(package="attention_zoo")
class LuongAttention(BaseAttention):
    """Luong attention with the paper's three scores.

    - `"dot"`: `score(q, k) = q . k` (query and key of the same size).
    - `"general"`: `score(q, k) = q^T W k`, `W` of shape `(dq, dk)`.
    - `"concat"`: `score(q, k) = v^T tanh(W [q; k])`, `W` of shape
      `(dq + dk, units)`, kept as its two halves `W_q`, `W_k` so that the
      query and key halves are each projected once.

    With `use_scale=True` the scores are multiplied by a learned scalar
    (initialised to 1), as in `keras.layers.Attention(use_scale=True)`.
    `LuongAttention(score_mode="dot")` computes exactly what
    `keras.layers.Attention(score_mode="dot")` does; Keras's `"concat"` mode
    is a different function (`tanh(q + k)` with no projection).

    Args:
        score_mode: `"dot"`, `"general"` or `"concat"`.
        units: hidden size of the `"concat"` score; defaults to the key size.
            Not used by the other scores.
        use_scale: learn a scalar multiplier of the scores.
        kernel_initializer: initializer of `W` (and `v`).
        dropout: fraction of attention weights dropped during training.
        seed: seed of the dropout.

    Call arguments and returns: see `BaseAttention`.

    Example:

    >>> query = keras.random.normal((2, 5, 16))
    >>> value = keras.random.normal((2, 7, 24))
    >>> layer = LuongAttention(score_mode="general")
    >>> tuple(layer(query, value).shape)
    (2, 5, 24)

    Reference: Luong, Pham and Manning 2015, "Effective Approaches to
    Attention-based Neural Machine Translation", arXiv:1508.04025.
    """

    def __init__(
        self,
        score_mode="dot",
        units=None,
        use_scale=False,
        kernel_initializer="glorot_uniform",
        dropout=0.0,
        seed=None,
        **kwargs,
    ):
        super().__init__(dropout=dropout, seed=seed, **kwargs)
        self.score_mode = check_choice("score_mode", score_mode, SCORE_MODES)
        self.units = check_positive_int("units", units, allow_none=True)
        self.use_scale = use_scale
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def build_score(self, query_dim, key_dim):
        if self.score_mode == "dot" and query_dim != key_dim:
            raise ValueError(
                'score_mode="dot" multiplies query and key, so they need the '
                f"same last dimension; received query dimension {query_dim} "
                f'and key dimension {key_dim}. Use score_mode="general" or '
                '"concat" for different sizes.'
            )
        if self.score_mode == "general":
            self.kernel = self.add_weight(
                shape=(query_dim, key_dim),
                initializer=fresh_initializer(self.kernel_initializer),
                name="kernel",
            )
        if self.score_mode == "concat":
            units = self.units or key_dim
            self.query_kernel = self.add_weight(
                shape=(query_dim, units),
                initializer=fresh_initializer(self.kernel_initializer),
                name="query_kernel",
            )
            self.key_kernel = self.add_weight(
                shape=(key_dim, units),
                initializer=fresh_initializer(self.kernel_initializer),
                name="key_kernel",
            )
            self.attention_vector = self.add_weight(
                shape=(units,),
                initializer=fresh_initializer(self.kernel_initializer),
                name="attention_vector",
            )
        self.scale = None
        if self.use_scale:
            self.scale = self.add_weight(
                shape=(), initializer="ones", name="scale"
            )

    def score(self, query, key):
        if self.score_mode == "dot":
            scores = dot_score(query, key)
        elif self.score_mode == "general":
            scores = general_score(query, key, self.kernel)
        else:
            scores = additive_score(
                query,
                key,
                self.query_kernel,
                self.key_kernel,
                self.attention_vector,
            )
        if self.scale is not None:
            scores = scores * self.scale
        return scores

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "score_mode": self.score_mode,
                "units": self.units,
                "use_scale": self.use_scale,
                "kernel_initializer": keras.initializers.serialize(
                    self.kernel_initializer
                ),
            }
        )
        return config
