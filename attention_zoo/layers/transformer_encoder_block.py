"""Transformer encoder block, and the parts every transformer block shares:
the residual wrapper (pre-norm or post-norm) and the feed-forward network."""

import keras

from attention_zoo._checks import check_choice
from attention_zoo._checks import check_positive_int
from attention_zoo._checks import check_rank
from attention_zoo._checks import check_rate
from attention_zoo._checks import fresh_initializer
from attention_zoo.layers.multi_head_attention import MultiHeadAttention
from attention_zoo.ops.masking import check_mask_shape

# Block argument -> `MultiHeadAttention(score=...)`.
ATTENTION_SCORES = {"scaled_dot": "dot", "cosine": "cosine"}


class TransformerBlock(keras.layers.Layer):
    """Shared base of `TransformerEncoderBlock` and `TransformerDecoderBlock`.

    Holds the constructor arguments they share, builds their attention,
    layer-normalization, dropout and feed-forward sublayers, and applies a
    sublayer inside its residual connection, normalized first (pre-norm) or
    last (post-norm). Not registered on its own: it is not a layer to use.
    """

    def __init__(
        self,
        intermediate_dim,
        num_heads,
        dropout=0.0,
        activation="relu",
        layer_norm_epsilon=1e-5,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        normalize_first=False,
        attention_score="scaled_dot",
        query_chunk_size=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.intermediate_dim = check_positive_int(
            "intermediate_dim", intermediate_dim
        )
        self.num_heads = check_positive_int("num_heads", num_heads)
        self.dropout = check_rate("dropout", dropout)
        self.activation = keras.activations.get(activation)
        self.layer_norm_epsilon = layer_norm_epsilon
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.normalize_first = bool(normalize_first)
        self.attention_score = check_choice(
            "attention_score", attention_score, tuple(ATTENTION_SCORES)
        )
        self.query_chunk_size = check_positive_int(
            "query_chunk_size", query_chunk_size, allow_none=True
        )
        self.supports_masking = True

    # Sublayers, created in build() -------------------------------------------

    def _attention(self, layer_cls, name, query_shape, value_shape):
        """A built `MultiHeadAttention` (or subclass) with `hidden_dim /
        num_heads` dimensions per head and the output back at `hidden_dim`."""
        hidden_dim = query_shape[-1]
        key_dim = hidden_dim // self.num_heads
        if key_dim == 0:
            raise ValueError(
                "`num_heads` must be at most the hidden size (the inputs' "
                f"last dimension, {hidden_dim}); received "
                f"num_heads={self.num_heads}."
            )
        layer = layer_cls(
            num_heads=self.num_heads,
            key_dim=key_dim,
            dropout=self.dropout,
            kernel_initializer=fresh_initializer(self.kernel_initializer),
            bias_initializer=fresh_initializer(self.bias_initializer),
            score=ATTENTION_SCORES[self.attention_score],
            query_chunk_size=self.query_chunk_size,
            dtype=self.dtype_policy,
            name=name,
        )
        layer.build(query_shape, value_shape)
        return layer

    def _layer_norm(self, name, shape):
        layer = keras.layers.LayerNormalization(
            epsilon=self.layer_norm_epsilon,
            dtype=self.dtype_policy,
            name=name,
        )
        layer.build(shape)
        return layer

    def _dropout(self, name):
        return keras.layers.Dropout(
            self.dropout, dtype=self.dtype_policy, name=name
        )

    def _dense(self, units, name, input_shape, activation=None):
        layer = keras.layers.Dense(
            units,
            activation=activation,
            kernel_initializer=fresh_initializer(self.kernel_initializer),
            bias_initializer=fresh_initializer(self.bias_initializer),
            dtype=self.dtype_policy,
            name=name,
        )
        layer.build(input_shape)
        return layer

    def _build_self_attention(self, shape):
        """Self-attention with its layer normalization and dropout."""
        self.self_attention = self._attention(
            MultiHeadAttention, "self_attention", shape, shape
        )
        self.self_attention_layer_norm = self._layer_norm(
            "self_attention_layer_norm", shape
        )
        self.self_attention_dropout = self._dropout("self_attention_dropout")

    def _build_feedforward(self, shape):
        """`Dense(intermediate_dim, activation) -> Dense(hidden_dim)`, with
        its layer normalization and dropout."""
        intermediate_shape = tuple(shape[:-1]) + (self.intermediate_dim,)
        self.feedforward_layer_norm = self._layer_norm(
            "feedforward_layer_norm", shape
        )
        self.feedforward_intermediate_dense = self._dense(
            self.intermediate_dim,
            "feedforward_intermediate_dense",
            shape,
            activation=self.activation,
        )
        self.feedforward_output_dense = self._dense(
            shape[-1], "feedforward_output_dense", intermediate_shape
        )
        self.feedforward_dropout = self._dropout("feedforward_dropout")

    # Call helpers ------------------------------------------------------------

    def _residual(self, x, layer_norm, dropout, sublayer, training):
        """`x + dropout(sublayer(norm(x)))` when `normalize_first`, else
        `norm(x + dropout(sublayer(x)))`.

        `sublayer` returns its output or a tuple whose first item is the
        output; the other items (attention weights, caches) are returned
        after the new `x`, always as a tuple.
        """
        residual = x
        if self.normalize_first:
            x = layer_norm(x)
        outputs = sublayer(x)
        if not isinstance(outputs, tuple):
            outputs = (outputs,)
        x = dropout(outputs[0], training=training) + residual
        if not self.normalize_first:
            x = layer_norm(x)
        return (x, *outputs[1:])

    def _self_attention_block(self, x, training, **attention_kwargs):
        """Self-attention of `x` in its residual connection: the new `x`,
        then what else `self_attention` returns (see `_residual`).

        Without explicit padding masks in `attention_kwargs`,
        `self_attention` reads the Keras mask of `x`.
        """

        def attend(x):
            return self.self_attention(
                x, x, training=training, **attention_kwargs
            )

        return self._residual(
            x,
            self.self_attention_layer_norm,
            self.self_attention_dropout,
            attend,
            training,
        )

    def _feedforward(self, x, training):
        def network(x):
            hidden = self.feedforward_intermediate_dense(x)
            return self.feedforward_output_dense(hidden)

        (x,) = self._residual(
            x,
            self.feedforward_layer_norm,
            self.feedforward_dropout,
            network,
            training,
        )
        return x

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "intermediate_dim": self.intermediate_dim,
                "num_heads": self.num_heads,
                "dropout": self.dropout,
                "activation": keras.activations.serialize(self.activation),
                "layer_norm_epsilon": self.layer_norm_epsilon,
                "kernel_initializer": keras.initializers.serialize(
                    self.kernel_initializer
                ),
                "bias_initializer": keras.initializers.serialize(
                    self.bias_initializer
                ),
                "normalize_first": self.normalize_first,
                "attention_score": self.attention_score,
                "query_chunk_size": self.query_chunk_size,
            }
        )
        return config


@keras.saving.register_keras_serializable(package="attention_zoo")
class TransformerEncoderBlock(TransformerBlock):
    """Transformer encoder block: self-attention, then a feed-forward network.

    Each of the two sublayers sits in a residual connection with dropout and
    layer normalization. Post-norm (`normalize_first=False`, the original
    Transformer and BERT) computes `x = norm(x + dropout(f(x)))`; pre-norm
    (`normalize_first=True`, GPT-2) computes `x = x + dropout(f(norm(x)))`,
    which trains stably without learning-rate warm-up (stack a final
    `LayerNormalization` after the last pre-norm block). The feed-forward
    network is `Dense(hidden_dim)(activation(Dense(intermediate_dim)(x)))`.
    Self-attention is `MultiHeadAttention` with `hidden_dim // num_heads`
    dimensions per head and the score `q . k / sqrt(head_dim)`
    (`attention_score="scaled_dot"`) or `cos(q, k) / tau` with a learned
    temperature per head (`"cosine"`).

    Same arguments and weights as `keras_hub.layers.TransformerEncoder`, and
    with the scaled dot score the same outputs at every real (unpadded)
    position; built on this package's `MultiHeadAttention`.

    Args:
        intermediate_dim: width of the feed-forward network's hidden layer.
        num_heads: number of attention heads.
        dropout: dropout rate of the attention weights and of each
            sublayer's output.
        activation: activation of the feed-forward hidden layer.
        layer_norm_epsilon: epsilon of the layer normalizations.
        kernel_initializer, bias_initializer: initializers of the attention
            projections and the feed-forward `Dense` layers.
        normalize_first: pre-norm when true, post-norm when false.
        attention_score: `"scaled_dot"` or `"cosine"`.
        query_chunk_size: when set, attention over more queries than this
            (with dropout off and no weights returned) runs this many
            queries at a time (`attention_zoo.ops.chunked_attention`):
            the same outputs, memory linear in the sequence length.
        **kwargs: `name`, `dtype`, `trainable`, ...

    Call arguments:
        inputs: `(batch, T, hidden_dim)`.
        padding_mask: `(batch, T)` boolean, `True` at real tokens: padded
            tokens are never attended to. Defaults to the Keras mask of
            `inputs` (from `Embedding(mask_zero=True)` or `Masking`). The
            outputs at padded positions carry no meaning.
        attention_mask: `(batch, T, T)` boolean, `True` where query `i` may
            attend to key `j`; combined with the padding mask.
        training: applies dropout when true.
        return_attention_scores: also return the self-attention weights.

    Returns:
        `(batch, T, hidden_dim)`; with `return_attention_scores`, a tuple
        `(outputs, weights)` with weights `(batch, num_heads, T, T)`.

    Example:

    >>> tokens = keras.ops.convert_to_tensor([[5, 2, 9, 0, 0]])
    >>> embedded = keras.layers.Embedding(10, 16, mask_zero=True)(tokens)
    >>> block = TransformerEncoderBlock(intermediate_dim=32, num_heads=4)
    >>> tuple(block(embedded).shape)
    (1, 5, 16)

    Reference: Vaswani et al. 2017, "Attention Is All You Need",
    arXiv:1706.03762; Xiong et al. 2020, "On Layer Normalization in the
    Transformer Architecture", arXiv:2002.04745 (pre-norm); Liu et al. 2022,
    "Swin Transformer V2", arXiv:2111.09883 (cosine attention).
    """

    def build(self, inputs_shape):
        check_rank("inputs", inputs_shape, (3,))
        self._build_self_attention(inputs_shape)
        self._build_feedforward(inputs_shape)
        self.built = True

    def call(
        self,
        inputs,
        padding_mask=None,
        attention_mask=None,
        training=None,
        return_attention_scores=False,
    ):
        check_rank("inputs", inputs.shape, (3,))
        batch, length = inputs.shape[0], inputs.shape[1]
        check_mask_shape(padding_mask, (batch, length), "padding_mask")
        check_mask_shape(
            attention_mask, (batch, length, length), "attention_mask"
        )

        # An explicit padding mask hides the padded keys.
        x, *weights = self._self_attention_block(
            inputs,
            training,
            value_mask=padding_mask,
            attention_mask=attention_mask,
            return_attention_scores=return_attention_scores,
        )
        x = self._feedforward(x, training)
        if return_attention_scores:
            return x, weights[0]
        return x

    def compute_output_shape(self, inputs_shape):
        return tuple(inputs_shape)

    def compute_output_spec(
        self, inputs, return_attention_scores=False, **kwargs
    ):
        output = keras.KerasTensor(inputs.shape, dtype=self.compute_dtype)
        if not return_attention_scores:
            return output
        batch, length = inputs.shape[0], inputs.shape[1]
        weights = keras.KerasTensor(
            (batch, self.num_heads, length, length), dtype=self.compute_dtype
        )
        return output, weights
