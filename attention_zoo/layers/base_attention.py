"""The template every single-head attention layer follows."""

import keras
from keras import ops

from attention_zoo._checks import check_attention_inputs
from attention_zoo._checks import check_attention_shapes
from attention_zoo._checks import check_rank
from attention_zoo._checks import check_rate
from attention_zoo.ops.masking import check_mask_shape
from attention_zoo.ops.masking import masked_softmax
from attention_zoo.ops.masking import merge_masks


class BaseAttention(keras.layers.Layer):
    """Single-head attention: scores, masks, softmax, weighted values.

    `output_i = sum_j softmax_j(score(q_i, k_j)) v_j`. A subclass defines only
    `build_score(query_dim, key_dim)` (its weights) and `score(query, key)`
    (`(batch, Tq, dq), (batch, Tk, dk) -> (batch, Tq, Tk)`); masking,
    softmax in float32, dropout on the weights, the one-step (rank-2) query
    and the returned scores are handled here once.

    Args:
        dropout: fraction of attention weights dropped during training.
        seed: seed of the dropout.
        **kwargs: `keras.layers.Layer` arguments (`name`, `dtype`, ...).

    Call arguments:
        query: `(batch, Tq, dq)`, or `(batch, dq)` for one decoder step.
        value: `(batch, Tk, dv)`.
        key: `(batch, Tk, dk)`; defaults to `value`.
        query_mask: `(batch, Tq)` boolean, `True` for real positions. Read
            from the query's Keras mask (`Embedding(mask_zero=True)`) when
            not given.
        value_mask: `(batch, Tk)` boolean, likewise from the value's mask.
        key_mask: `(batch, Tk)` boolean, likewise from the key's mask; it
            is combined with `value_mask`.
        attention_mask: `(batch, Tq, Tk)` boolean, `True` = may attend.
        use_causal_mask: query `i` attends to keys `j <= i` only.
        return_attention_scores: also return the attention weights.
        training: applies dropout when true.

    Returns:
        `(batch, Tq, dv)` (or `(batch, dv)` for a rank-2 query), and with
        `return_attention_scores=True` also the weights `(batch, Tq, Tk)`
        (or `(batch, Tk)`), which sum to 1 over unmasked keys and are 0 for
        fully masked queries.
    """

    def __init__(self, dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.dropout = check_rate("dropout", dropout)
        self.seed = seed
        self.supports_masking = True
        self.seed_generator = (
            keras.random.SeedGenerator(seed) if self.dropout > 0 else None
        )

    def build(self, query_shape, value_shape, key_shape=None):
        check_rank("query", query_shape, (2, 3))
        check_rank("value", value_shape, (3,))
        key_shape = value_shape if key_shape is None else key_shape
        check_rank("key", key_shape, (3,))
        check_attention_shapes(query_shape, value_shape, key_shape)
        self.build_score(query_shape[-1], key_shape[-1])
        self.built = True

    def build_score(self, query_dim, key_dim):
        """Creates the score's weights. Override when the score has any."""

    def score(self, query, key):
        """`(batch, Tq, dq), (batch, Tk, dk) -> (batch, Tq, Tk)` logits."""
        raise NotImplementedError

    def call(
        self,
        query,
        value,
        key=None,
        query_mask=None,
        value_mask=None,
        key_mask=None,
        attention_mask=None,
        use_causal_mask=False,
        return_attention_scores=False,
        training=None,
    ):
        key = value if key is None else key
        # Checked on every call, not only when the layer is built.
        check_rank("query", query.shape, (2, 3))
        check_rank("value", value.shape, (3,))
        check_rank("key", key.shape, (3,))
        check_attention_inputs(query, value, key)
        one_step = len(query.shape) == 2
        if one_step:
            query = ops.expand_dims(query, 1)
            if query_mask is not None:
                query_mask = ops.expand_dims(query_mask, 1)
            if attention_mask is not None and len(attention_mask.shape) == 2:
                attention_mask = ops.expand_dims(attention_mask, 1)
        batch, query_length = query.shape[0], query.shape[1]
        key_length = key.shape[1]
        check_mask_shape(query_mask, (batch, query_length), "query_mask")
        check_mask_shape(value_mask, (batch, key_length), "value_mask")
        check_mask_shape(key_mask, (batch, key_length), "key_mask")
        if key_mask is not None:
            key_mask = ops.cast(key_mask, "bool")
            value_mask = (
                key_mask
                if value_mask is None
                else ops.logical_and(ops.cast(value_mask, "bool"), key_mask)
            )
        check_mask_shape(
            attention_mask, (batch, query_length, key_length), "attention_mask"
        )
        mask = merge_masks(
            query_mask,
            value_mask,
            attention_mask,
            use_causal_mask,
            query_length=ops.shape(query)[1],
            key_length=ops.shape(key)[1],
        )
        weights = masked_softmax(self.score(query, key), mask)
        dropped = weights
        if training and self.dropout > 0:
            dropped = keras.random.dropout(
                weights, self.dropout, seed=self.seed_generator
            )
        output = ops.matmul(dropped, ops.cast(value, weights.dtype))
        if one_step:
            output, weights = output[:, 0], weights[:, 0]
        if return_attention_scores:
            return output, weights
        return output

    def compute_output_shape(self, query_shape, value_shape, key_shape=None):
        return tuple(query_shape[:-1]) + (value_shape[-1],)

    def compute_output_spec(
        self, query, value, key=None, return_attention_scores=False, **kwargs
    ):
        output = keras.KerasTensor(
            self.compute_output_shape(query.shape, value.shape),
            dtype=self.compute_dtype,
        )
        if not return_attention_scores:
            return output
        scores_shape = tuple(query.shape[:-1]) + (value.shape[1],)
        return output, keras.KerasTensor(scores_shape, self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"dropout": self.dropout, "seed": self.seed})
        return config
