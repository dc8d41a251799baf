"""`RecurrentSeq2SeqBackbone`: a bidirectional GRU encoder and a GRU
decoder that attends at every step (Bahdanau or Luong)."""

import keras
from keras import layers
from keras import ops

from applications._seq2seq.backbone import Seq2SeqBackbone
from applications._task import dtype_policy
from attention_zoo.layers import BahdanauAttention
from attention_zoo.layers import LuongAttention

ATTENTIONS = ("bahdanau", "luong")


@keras.saving.register_keras_serializable(package="applications")
class AttentiveGRUDecoder(layers.Layer):
    """A GRU decoder that attends to the encoder at every step.

    - `"bahdanau"` (Bahdanau et al. 2015): the previous state queries,
      `c_t = attend(s_{t-1}, H)`, `s_t = GRU([e_t; c_t], s_{t-1})`, and
      `o_t = tanh(W [s_t; c_t; e_t])` (additive score).
    - `"luong"` (Luong et al. 2015, with input feeding): the new state
      queries, `s_t = GRU([e_t; o_{t-1}], s_{t-1})`, `c_t = attend(s_t,
      H)`, `o_t = tanh(W [c_t; s_t])` ("general" score `s W h`).

    `e_t` is the embedding of the previous target token, `H` the encoder
    outputs, and `o_t` (`output_dim` wide) what predicts the next token.
    Teacher-forced calls run the steps in one `keras.ops.scan`; `step`
    runs one, for cached decoding. GRU rather than LSTM: one state
    tensor to carry and to reorder in beam search, and the same decoder
    for both scores.

    Args:
        attention: `"bahdanau"` or `"luong"`.
        units: the GRU state size (and the additive score's).
        output_dim: the size of `o_t`.
    """

    def __init__(self, attention, units, output_dim, **kwargs):
        super().__init__(**kwargs)
        if attention not in ATTENTIONS:
            raise ValueError(
                f"`attention` must be one of {', '.join(ATTENTIONS)}; "
                f"received attention={attention!r}."
            )
        self.attention = attention
        self.units = units
        self.output_dim = output_dim

    def build(self, embedded_shape, memory_shape, state_shape=None):
        embedding_dim, memory_dim = embedded_shape[-1], memory_shape[-1]
        if self.attention == "bahdanau":
            self.attend = BahdanauAttention(
                self.units, dtype=self.dtype_policy, name="attend"
            )
            cell_input = embedding_dim + memory_dim
            output_input = self.units + memory_dim + embedding_dim
        else:
            self.attend = LuongAttention(
                "general", dtype=self.dtype_policy, name="attend"
            )
            cell_input = embedding_dim + self.output_dim
            output_input = memory_dim + self.units
        self.attend.build((None, self.units), memory_shape)
        self.cell = layers.GRUCell(
            self.units, dtype=self.dtype_policy, name="cell"
        )
        self.cell.build((None, cell_input))
        self.combine = layers.Dense(
            self.output_dim,
            activation="tanh",
            dtype=self.dtype_policy,
            name="combine",
        )
        self.combine.build((None, output_input))
        self.built = True

    def initial_carry(self, state, memory):
        """The loop carry before the first step: the state, a zero
        `o_0` and zero weights."""
        batch = ops.shape(state)[0]
        return {
            "state": state,
            "output": ops.zeros((batch, self.output_dim), state.dtype),
            "weights": ops.zeros(ops.shape(memory)[:2], "float32"),
        }

    def step(self, embedded, carry, memory, memory_mask):
        """One step: `embedded` `(batch, E)`, `carry` as `initial_carry`;
        returns the next carry (`output` is `o_t`, `weights` the
        attention over `memory`)."""

        def attend(query):
            context, weights = self.attend(
                query,
                memory,
                value_mask=memory_mask,
                return_attention_scores=True,
            )
            return context, ops.cast(weights, "float32")

        previous = carry["state"]
        if self.attention == "bahdanau":
            context, weights = attend(previous)
            state, _ = self.cell(
                ops.concatenate([embedded, context], axis=-1), [previous]
            )
            output = self.combine(
                ops.concatenate([state, context, embedded], axis=-1)
            )
        else:
            state, _ = self.cell(
                ops.concatenate([embedded, carry["output"]], axis=-1),
                [previous],
            )
            context, weights = attend(state)
            output = self.combine(ops.concatenate([context, state], axis=-1))
        return {"state": state, "output": output, "weights": weights}

    def call(self, embedded, memory, state, memory_mask=None):
        """Teacher-forced: `embedded` `(batch, T, E)`, `memory` `(batch,
        S, M)`, `state` `(batch, units)`; returns `(outputs (batch, T,
        output_dim), weights (batch, T, S))`."""

        # TensorFlow's scan wants each step's output shaped as the carry,
        # so the carry is the output.
        def scan_step(carry, x):
            carry = self.step(x, carry, memory, memory_mask)
            return carry, carry

        _, steps = ops.scan(
            scan_step,
            self.initial_carry(state, memory),
            ops.transpose(embedded, (1, 0, 2)),
        )
        return (
            ops.transpose(steps["output"], (1, 0, 2)),
            ops.transpose(steps["weights"], (1, 0, 2)),
        )

    def compute_output_spec(self, embedded, memory, state, memory_mask=None):
        batch, length = embedded.shape[0], embedded.shape[1]
        return (
            keras.KerasTensor(
                (batch, length, self.output_dim), dtype=self.compute_dtype
            ),
            keras.KerasTensor((batch, length, memory.shape[1]), "float32"),
        )

    def get_config(self):
        return {
            **super().get_config(),
            "attention": self.attention,
            "units": self.units,
            "output_dim": self.output_dim,
        }


@keras.saving.register_keras_serializable(package="applications")
class RecurrentSeq2SeqBackbone(Seq2SeqBackbone):
    """A recurrent encoder-decoder with attention (Bahdanau et al. 2015,
    Luong et al. 2015).

    The encoder is a bidirectional GRU over `E(x)`; its outputs `H`
    (`2 * encoder_units` wide) are what the decoder attends to, and
    `s_0 = tanh(W [h_forward; h_backward])` of its final states starts
    the decoder (`AttentiveGRUDecoder`). `logits = E_t^T o_t`: the output
    layer is the target embedding (Press and Wolf 2017), and with one
    vocabulary for both sides the source embedding too.

    Cached decoding carries the GRU state and `o_t` from step to step;
    the encoder runs once per sentence.

    Args:
        source_vocabulary_size, target_vocabulary_size: ids per side.
        shared_embeddings: one embedding for both sides.
        source_length, target_length: the longest inputs.
        attention: `"bahdanau"` or `"luong"`.
        embedding_dim: token embedding size (and that of `o_t`).
        encoder_units: GRU units per direction.
        decoder_units: the decoder GRU's units.
        dropout: on embeddings and on `o_t`.
        dtype: the dtype policy.
    """

    def __init__(
        self,
        source_vocabulary_size,
        target_vocabulary_size,
        shared_embeddings=True,
        source_length=48,
        target_length=48,
        attention="bahdanau",
        embedding_dim=256,
        encoder_units=256,
        decoder_units=512,
        dropout=0.2,
        dtype=None,
        **kwargs,
    ):
        self.check_vocabularies(
            shared_embeddings, source_vocabulary_size, target_vocabulary_size
        )
        with dtype_policy(dtype):
            target_embedding = layers.ReversibleEmbedding(
                target_vocabulary_size,
                embedding_dim,
                reverse_dtype="float32",
                name="target_embedding",
            )
            parts = {
                "source_embedding": (
                    target_embedding
                    if shared_embeddings
                    else layers.Embedding(
                        source_vocabulary_size,
                        embedding_dim,
                        name="source_embedding",
                    )
                ),
                "target_embedding": target_embedding,
                "embedding_dropout": layers.Dropout(dropout),
                "encoder": layers.Bidirectional(
                    layers.GRU(
                        encoder_units,
                        return_sequences=True,
                        return_state=True,
                    ),
                    name="encoder",
                ),
                "bridge": layers.Dense(
                    decoder_units, activation="tanh", name="bridge"
                ),
                "decoder": AttentiveGRUDecoder(
                    attention, decoder_units, embedding_dim, name="decoder"
                ),
                "output_dropout": layers.Dropout(dropout),
            }
        self.__dict__["parts"] = parts

        source_ids, target_ids = self.token_inputs()
        memory, mask, state = self._encode(source_ids)
        outputs, weights = parts["decoder"](
            self._embed_targets(target_ids), memory, state, memory_mask=mask
        )
        logits = target_embedding(
            parts["output_dropout"](outputs), reverse=True
        )
        super().__init__(
            inputs={
                "encoder_token_ids": source_ids,
                "decoder_token_ids": target_ids,
            },
            outputs={"logits": logits, "alignment": weights},
            config={
                "source_vocabulary_size": source_vocabulary_size,
                "target_vocabulary_size": target_vocabulary_size,
                "shared_embeddings": shared_embeddings,
                "source_length": source_length,
                "target_length": target_length,
                "attention": attention,
                "embedding_dim": embedding_dim,
                "encoder_units": encoder_units,
                "decoder_units": decoder_units,
                "dropout": dropout,
            },
            dtype=dtype,
            **kwargs,
        )

    def _encode(self, source_ids):
        parts = self.parts
        mask = ops.not_equal(source_ids, 0)
        x = parts["embedding_dropout"](parts["source_embedding"](source_ids))
        memory, forward, backward = parts["encoder"](x, mask=mask)
        state = parts["bridge"](ops.concatenate([forward, backward], axis=-1))
        return memory, mask, state

    def _embed_targets(self, target_ids):
        parts = self.parts
        return parts["embedding_dropout"](parts["target_embedding"](target_ids))

    # Cached decoding ---------------------------------------------------------

    def start_cache(self, encoder_token_ids, max_length):
        memory, mask, state = self._encode(encoder_token_ids)
        carry = self.parts["decoder"].initial_carry(state, memory)
        return {"carry": carry, "memory": memory, "memory_mask": mask}

    def decode_step(self, token_ids, cache, index):
        embedded = self._embed_targets(token_ids)[:, 0]
        carry = self.parts["decoder"].step(
            embedded, cache["carry"], cache["memory"], cache["memory_mask"]
        )
        logits = self.parts["target_embedding"](carry["output"], reverse=True)
        return logits, {**cache, "carry": carry}
