"""Attention pooling: a learned query turns a sequence into one vector."""

import keras
from keras import ops

from attention_zoo._checks import check_positive_int
from attention_zoo._checks import check_rank
from attention_zoo._checks import check_rate
from attention_zoo._checks import fresh_initializer
from attention_zoo.ops.masking import check_mask_shape
from attention_zoo.ops.masking import masked_softmax


@keras.saving.register_keras_serializable(package="attention_zoo")
class AttentionPooling(keras.layers.Layer):
    """Many-to-one attention over a masked sequence.

    `u_t = tanh(W h_t + b)`, `a_t = softmax_t(u_t . c)`, output
    `sum_t a_t h_t`, where the context vector `c` is learned: it plays the
    role of a query asking "which positions matter for the task?". Padded
    positions get weight 0; a sequence with no real position pools to zeros.
    The weights `a` show which words a classifier looked at.

    Args:
        units: size of the hidden projection; defaults to the input size.
        use_bias: adds `b`.
        kernel_initializer: initializer of `W` and `c`.
        dropout: fraction of attention weights dropped during training.
        seed: seed of the dropout.

    Call arguments:
        inputs: `(batch, T, dim)`.
        mask: `(batch, T)` boolean, read from the input's Keras mask.
        return_attention_scores: also return the weights `(batch, T)`.
        training: applies dropout when true.

    Returns:
        `(batch, dim)`, and the weights if asked for.

    Example:

    >>> tokens = keras.ops.convert_to_tensor([[5, 2, 9, 0, 0]])
    >>> embedded = keras.layers.Embedding(10, 8, mask_zero=True)(tokens)
    >>> pooled, weights = AttentionPooling()(
    ...     embedded, return_attention_scores=True)
    >>> tuple(pooled.shape), float(keras.ops.sum(weights[0, 3:]))
    ((1, 8), 0.0)

    Reference: Yang et al. 2016, "Hierarchical Attention Networks for
    Document Classification", NAACL (the word attention of section 2.2).
    """

    def __init__(
        self,
        units=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        dropout=0.0,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = check_positive_int("units", units, allow_none=True)
        self.use_bias = use_bias
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.dropout = check_rate("dropout", dropout)
        self.seed = seed
        self.supports_masking = True
        self.seed_generator = (
            keras.random.SeedGenerator(seed) if self.dropout > 0 else None
        )

    def build(self, input_shape):
        check_rank("inputs", input_shape, (3,))
        units = self.units or input_shape[-1]
        self.kernel = self.add_weight(
            shape=(input_shape[-1], units),
            initializer=fresh_initializer(self.kernel_initializer),
            name="kernel",
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(units,), initializer="zeros", name="bias"
            )
        self.context_vector = self.add_weight(
            shape=(units,),
            initializer=fresh_initializer(self.kernel_initializer),
            name="context_vector",
        )
        self.built = True

    def call(
        self, inputs, mask=None, return_attention_scores=False, training=None
    ):
        check_rank("inputs", inputs.shape, (3,))
        check_mask_shape(mask, tuple(inputs.shape[:2]), "mask")
        hidden = ops.matmul(inputs, self.kernel)
        if self.bias is not None:
            hidden = hidden + self.bias
        scores = ops.matmul(ops.tanh(hidden), self.context_vector)
        weights = masked_softmax(scores, mask)
        dropped = weights
        if training and self.dropout > 0:
            dropped = keras.random.dropout(
                weights, self.dropout, seed=self.seed_generator
            )
        pooled = ops.squeeze(ops.matmul(dropped[:, None, :], inputs), 1)
        if return_attention_scores:
            return pooled, weights
        return pooled

    def compute_mask(self, inputs, mask=None):
        # The time axis is pooled away, and its mask with it.
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1])

    def compute_output_spec(
        self, inputs, return_attention_scores=False, **kwargs
    ):
        output = keras.KerasTensor(
            self.compute_output_shape(inputs.shape), dtype=self.compute_dtype
        )
        if not return_attention_scores:
            return output
        return output, keras.KerasTensor(
            tuple(inputs.shape[:2]), dtype=self.compute_dtype
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
                "dropout": self.dropout,
                "seed": self.seed,
            }
        )
        return config
