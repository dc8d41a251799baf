"""Multi-head cross-attention whose projected context can be cached."""

import keras

from attention_zoo.layers.multi_head_attention import MultiHeadAttention
from attention_zoo.ops.masking import check_mask_shape


@keras.saving.register_keras_serializable(package="attention_zoo")
class CrossAttention(MultiHeadAttention):
    """Multi-head attention from a query sequence to a context sequence.

    `softmax(score(Q W_q, C W_k)) C W_v W_o`, as `MultiHeadAttention` with
    `key = value = context`. A decoder attends to the same encoder output at
    every step, so the context's keys and values can be projected once with
    `compute_context_cache(context)` and passed as `context_cache=` to each
    step, which then costs only the query and output projections.

    Args: as `MultiHeadAttention`, except `sliding_window`, which must be
    `None` (query and context positions are not aligned).

    Call arguments:
        query: `(batch, Tq, dim)`.
        context: `(batch, Tc, context_dim)`; may be omitted when
            `context_cache` is given.
        query_mask: `(batch, Tq)`, read from the query's Keras mask.
        context_mask: `(batch, Tc)`, read from the context's Keras mask; pass
            it explicitly together with `context_cache`.
        attention_mask: `(batch, Tq, Tc)` boolean.
        return_attention_scores: also return `(batch, heads, Tq, Tc)`.
        training: applies dropout when true.
        context_cache: `(key, value)` from `compute_context_cache`.

    Returns:
        `(batch, Tq, output_dim)`, and the weights if asked for.

    Example:

    >>> decoder_states = keras.random.normal((2, 3, 32))
    >>> encoder_outputs = keras.random.normal((2, 9, 48))
    >>> layer = CrossAttention(num_heads=4, key_dim=8)
    >>> full = layer(decoder_states, encoder_outputs)
    >>> cache = layer.compute_context_cache(encoder_outputs)
    >>> step = layer(decoder_states[:, :1], context_cache=cache)
    >>> tuple(step.shape)
    (2, 1, 32)

    Reference: Vaswani et al. 2017, "Attention Is All You Need",
    arXiv:1706.03762 (encoder-decoder attention).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.sliding_window is not None:
            raise ValueError(
                "`sliding_window` must be None for CrossAttention: the query "
                "and the context are different sequences, so there is no "
                "distance |i - j| between their positions; received "
                f"sliding_window={self.sliding_window!r}."
            )

    def build(self, query_shape, context_shape=None):
        if context_shape is None:
            raise ValueError(
                "CrossAttention is built by its first call, which needs "
                "`context` (a context_cache can only come from a built "
                "layer); received context=None."
            )
        super().build(query_shape, context_shape)

    def compute_context_cache(self, context):
        """Projects the context once: `(key, value)`, each
        `(batch, Tc, heads, depth)`."""
        if not self.built:
            raise ValueError(
                "Call the layer once on (query, context) before "
                "`compute_context_cache`, so that its weights exist."
            )
        return tuple(self.project_key_value(context))

    def call(
        self,
        query,
        context=None,
        query_mask=None,
        context_mask=None,
        attention_mask=None,
        return_attention_scores=False,
        training=None,
        context_cache=None,
    ):
        if context_cache is None:
            if context is None:
                raise ValueError(
                    "Pass `context` or `context_cache`; received neither."
                )
            key, value = self.project_key_value(context)
        else:
            key, value = context_cache
        batch, query_length = query.shape[0], query.shape[1]
        context_length = key.shape[1]
        check_mask_shape(query_mask, (batch, query_length), "query_mask")
        check_mask_shape(context_mask, (batch, context_length), "context_mask")
        check_mask_shape(
            attention_mask,
            (batch, query_length, context_length),
            "attention_mask",
        )
        query = self.project_query(query)
        mask = self._attention_mask(
            query,
            key,
            query_mask,
            context_mask,
            attention_mask=attention_mask,
        )
        attended, scores = self._attend(
            query, key, value, mask, False, return_attention_scores, training
        )
        output = self.project_output(attended)
        if return_attention_scores:
            return output, scores
        return output

    def compute_output_spec(
        self,
        query,
        context=None,
        return_attention_scores=False,
        context_cache=None,
        **kwargs,
    ):
        output = keras.KerasTensor(
            self.compute_output_shape(query.shape, None),
            dtype=self.compute_dtype,
        )
        if not return_attention_scores:
            return output
        context_length = (
            context.shape[1]
            if context is not None
            else context_cache[0].shape[1]
        )
        scores = keras.KerasTensor(
            (query.shape[0], self.num_heads, query.shape[1], context_length),
            dtype=self.compute_dtype,
        )
        return output, scores

    def compute_output_shape(self, query_shape, context_shape=None):
        return tuple(query_shape[:-1]) + (self.output_dim or query_shape[-1],)
