"""`PointerGenerator`: the output layer that copies source tokens."""

import keras
from keras import ops

LOG_FLOOR = 1e-9  # log(0) never reaches the loss or the sampler


def copy_distribution(attention, source_ids, vocabulary_size):
    """`(batch, T, vocabulary)`: the attention `(batch, T, S)` over
    source positions summed onto the ids `(batch, S)` they hold.

    A segment sum (`O(batch * T * S)`), not `attention @ one_hot(ids)`,
    whose `(batch, S, vocabulary)` one-hot would outweigh the model.
    """
    shape = ops.shape(attention)
    batch, length = shape[0], shape[1]
    rows = ops.arange(batch * length, dtype="int32")
    rows = ops.reshape(rows, (batch, length, 1)) * vocabulary_size
    ids = ops.cast(source_ids, "int32")[:, None, :]
    segments = ops.reshape(rows + ids, (-1,))
    total = batch * length * vocabulary_size
    copied = ops.segment_sum(
        ops.reshape(attention, (-1,)), segments, num_segments=total
    )
    return ops.reshape(copied, (batch, length, vocabulary_size))


def coverage_loss(attention, target_mask):
    """See et al.'s coverage penalty `sum_s min(a_ts, c_ts)` with
    `c_t = sum_{t' < t} a_t'`, the attention already paid, averaged over
    the real target positions: attending twice to one place costs."""
    coverage = ops.cumsum(attention, axis=1) - attention
    overlap = ops.sum(ops.minimum(attention, coverage), axis=-1)
    mask = ops.cast(target_mask, overlap.dtype)
    return ops.sum(overlap * mask) / ops.maximum(ops.sum(mask), 1.0)


@keras.saving.register_keras_serializable(package="applications")
class PointerGenerator(keras.layers.Layer):
    """Mixes generating a token with copying one from the source.

    `p(w) = g p_vocab(w) + (1 - g) sum_{s: x_s = w} a_s`, with the gate
    `g = sigmoid(W [h; c; e] + b)` of the decoder state `h`, the context
    `c = sum_s a_s m_s` of the encoder outputs `m` and the input
    embedding `e` (See et al. 2017, "Get To The Point: Summarization with
    Pointer-Generator Networks", arXiv:1704.04368), and the attention `a`
    of the last decoder block's cross-attention, averaged over heads. In
    training, the coverage penalty (`coverage_loss`) times
    `coverage_weight` is added to the loss; the coverage vector is not
    fed back into the attention.

    Returns `log p`, `(batch, T, vocabulary)` float32: logits whose
    softmax is `p`, so the loss and the samplers take them as they take
    a plain decoder's logits; and `1 - g`, `(batch, T)`, how much each
    position copies.
    """

    def __init__(self, coverage_weight=1.0, **kwargs):
        super().__init__(**kwargs)
        self.coverage_weight = float(coverage_weight)
        self.gate = keras.layers.Dense(1, dtype=self.dtype_policy, name="gate")

    def build(self, logits_shape, states_shape, *shapes):
        self.gate.build((*states_shape[:-1], 3 * states_shape[-1]))

    def call(
        self,
        logits,
        states,
        embeddings,
        attention,
        memory,
        source_ids,
        target_mask=None,
        training=None,
    ):
        context = ops.einsum(
            "bts,bsd->btd", attention, ops.cast(memory, attention.dtype)
        )
        features = ops.concatenate(
            [states, ops.cast(context, states.dtype), embeddings], axis=-1
        )
        gate = ops.cast(ops.sigmoid(self.gate(features)), "float32")
        attention = ops.cast(attention, "float32")
        generated = ops.softmax(ops.cast(logits, "float32"), axis=-1)
        copied = copy_distribution(attention, source_ids, ops.shape(logits)[-1])
        if training and self.coverage_weight and target_mask is not None:
            self.add_loss(
                self.coverage_weight * coverage_loss(attention, target_mask)
            )
        mixed = gate * generated + (1.0 - gate) * copied
        return ops.log(mixed + LOG_FLOOR), 1.0 - gate[..., 0]

    def compute_output_spec(self, logits, *args, **kwargs):
        return (
            keras.KerasTensor(logits.shape, dtype="float32"),
            keras.KerasTensor(logits.shape[:-1], dtype="float32"),
        )

    def get_config(self):
        return {**super().get_config(), "coverage_weight": self.coverage_weight}
