"""`TransformerSeq2SeqBackbone`: a Transformer encoder-decoder."""

import math

import keras
from keras import layers
from keras import ops

from applications._seq2seq.backbone import Seq2SeqBackbone
from applications._seq2seq.pointer import PointerGenerator
from applications._task import dtype_policy
from attention_zoo.layers import TransformerDecoderBlock
from attention_zoo.layers import TransformerEncoderBlock

SCORES = {
    "multi_head": "scaled_dot",
    "cosine": "cosine",
    "pointer": "scaled_dot",  # a multi_head Transformer that also copies
}


@keras.saving.register_keras_serializable(package="applications")
class TransformerSeq2SeqBackbone(Seq2SeqBackbone):
    """Transformer encoder-decoder (Vaswani et al. 2017), pre-norm.

    `h = Encoder(E(x) * sqrt(d) + P(x))`, then the decoder's blocks
    (causal self-attention, cross-attention to `h`, feed-forward) and
    `logits = E_t^T LayerNorm(decoder output)`. `E` and `P` are learned
    token and position embeddings; with one vocabulary for both sides the
    source, target and output embeddings are one matrix (Press and Wolf
    2017). Pre-norm blocks (Xiong et al. 2020) train without a long
    warmup. `attention="cosine"` scores every attention with
    `cos(q, k) / tau` (Liu et al. 2022) instead of `q . k / sqrt(d)`.
    `attention="pointer"` ends in a `PointerGenerator` (See et al. 2017):
    the last block's cross-attention also copies source tokens.
    With `query_chunk_size`, the encoder's self-attention over a longer
    source runs that many queries at a time at inference (memory linear
    in the source length, the same outputs).

    Cached decoding (`start_cache`, `decode_step`) keeps each decoder
    block's self-attention keys and values in a cache updated in place,
    and projects the encoder output to the cross-attention keys and
    values once per sentence.

    Args:
        source_vocabulary_size, target_vocabulary_size: ids per side.
        shared_embeddings: one embedding for both sides (the sizes must
            be equal).
        source_length, target_length: the longest inputs.
        attention: `"multi_head"`, `"cosine"` or `"pointer"`.
        num_layers: encoder blocks, and as many decoder blocks.
        hidden_dim, intermediate_dim, num_heads, dropout: of the blocks.
        dtype: the dtype policy.
    """

    def __init__(
        self,
        source_vocabulary_size,
        target_vocabulary_size,
        shared_embeddings=True,
        source_length=48,
        target_length=48,
        attention="multi_head",
        num_layers=3,
        hidden_dim=256,
        intermediate_dim=1024,
        num_heads=8,
        dropout=0.1,
        query_chunk_size=None,
        coverage_weight=1.0,
        dtype=None,
        **kwargs,
    ):
        if attention not in SCORES:
            raise ValueError(
                f"`attention` must be one of {', '.join(SCORES)}; received "
                f"attention={attention!r}."
            )
        self.check_vocabularies(
            shared_embeddings, source_vocabulary_size, target_vocabulary_size
        )
        with dtype_policy(dtype):
            target_embedding = layers.ReversibleEmbedding(
                target_vocabulary_size,
                hidden_dim,
                embeddings_initializer=keras.initializers.RandomNormal(
                    stddev=hidden_dim**-0.5
                ),
                reverse_dtype="float32",
                name="target_embedding",
            )
            source_embedding = (
                target_embedding
                if shared_embeddings
                else layers.Embedding(
                    source_vocabulary_size,
                    hidden_dim,
                    embeddings_initializer=keras.initializers.RandomNormal(
                        stddev=hidden_dim**-0.5
                    ),
                    name="source_embedding",
                )
            )
            block_arguments = {
                "intermediate_dim": intermediate_dim,
                "num_heads": num_heads,
                "dropout": dropout,
                "normalize_first": True,
                "attention_score": SCORES[attention],
            }
            parts = {
                "source_embedding": source_embedding,
                "target_embedding": target_embedding,
                "source_positions": _positions(source_length, "source"),
                "target_positions": _positions(target_length, "target"),
                "embedding_dropout": layers.Dropout(dropout),
                "encoder_blocks": [
                    TransformerEncoderBlock(
                        **block_arguments,
                        query_chunk_size=query_chunk_size,
                        name=f"encoder_block_{i}",
                    )
                    for i in range(num_layers)
                ],
                "encoder_norm": layers.LayerNormalization(
                    epsilon=1e-5, name="encoder_norm"
                ),
                "decoder_blocks": [
                    TransformerDecoderBlock(
                        **block_arguments, name=f"decoder_block_{i}"
                    )
                    for i in range(num_layers)
                ],
                "decoder_norm": layers.LayerNormalization(
                    epsilon=1e-5, name="decoder_norm"
                ),
            }
            if attention == "pointer":
                parts["pointer"] = PointerGenerator(
                    coverage_weight, name="pointer"
                )
        self.__dict__["parts"] = parts
        self.__dict__["scale"] = math.sqrt(hidden_dim)

        source_ids, target_ids = self.token_inputs()
        memory, source_mask = self._encode(source_ids)
        x = embedded = self._embed_targets(target_ids, 0)
        target_mask = ops.not_equal(target_ids, 0)
        for i, block in enumerate(parts["decoder_blocks"]):
            last = i == num_layers - 1
            x = block(
                x,
                memory,
                decoder_padding_mask=target_mask,
                encoder_padding_mask=source_mask,
                return_attention_scores=last,
            )
            if last:
                x, weights = x
        states = parts["decoder_norm"](x)
        logits = target_embedding(states, reverse=True)
        # The last block's cross-attention, averaged over heads.
        alignment = ops.mean(weights, axis=1)
        outputs = {"alignment": alignment}
        if "pointer" in parts:
            logits, outputs["copying"] = parts["pointer"](
                logits,
                states,
                embedded,
                alignment,
                memory,
                source_ids,
                target_mask=target_mask,
            )
        super().__init__(
            inputs={
                "encoder_token_ids": source_ids,
                "decoder_token_ids": target_ids,
            },
            outputs={"logits": logits, **outputs},
            config={
                "source_vocabulary_size": source_vocabulary_size,
                "target_vocabulary_size": target_vocabulary_size,
                "shared_embeddings": shared_embeddings,
                "source_length": source_length,
                "target_length": target_length,
                "attention": attention,
                "num_layers": num_layers,
                "hidden_dim": hidden_dim,
                "intermediate_dim": intermediate_dim,
                "num_heads": num_heads,
                "dropout": dropout,
                "query_chunk_size": query_chunk_size,
                "coverage_weight": coverage_weight,
            },
            dtype=dtype,
            **kwargs,
        )

    def _encode(self, source_ids):
        parts = self.parts
        mask = ops.not_equal(source_ids, 0)
        x = parts["source_embedding"](source_ids) * self.scale
        x = parts["embedding_dropout"](x + parts["source_positions"](x))
        for block in parts["encoder_blocks"]:
            x = block(x, padding_mask=mask)
        return parts["encoder_norm"](x), mask

    def _embed_targets(self, target_ids, start_index):
        parts = self.parts
        x = parts["target_embedding"](target_ids) * self.scale
        positions = parts["target_positions"](x, start_index=start_index)
        return parts["embedding_dropout"](x + positions)

    # Cached decoding ---------------------------------------------------------

    def start_cache(self, encoder_token_ids, max_length):
        memory, mask = self._encode(encoder_token_ids)
        batch = ops.shape(encoder_token_ids)[0]
        blocks = self.parts["decoder_blocks"]
        return {
            "self_attention": [
                block.initial_self_attention_cache(
                    batch, max_length, dtype=self.compute_dtype
                )
                for block in blocks
            ],
            "cross_attention": [
                block.compute_cross_attention_cache(memory) for block in blocks
            ],
            "encoder_mask": mask,
            **(
                {"memory": memory, "source_ids": encoder_token_ids}
                if "pointer" in self.parts
                else {}
            ),
        }

    def decode_step(self, token_ids, cache, index):
        parts = self.parts
        pointer = parts.get("pointer")
        x = embedded = self._embed_targets(token_ids, index)
        self_caches = []
        blocks = parts["decoder_blocks"]
        for i, (block, self_cache, cross_cache) in enumerate(
            zip(blocks, cache["self_attention"], cache["cross_attention"])
        ):
            weights_wanted = pointer is not None and i == len(blocks) - 1
            x, *extras, self_cache, _ = block(
                x,
                encoder_padding_mask=cache["encoder_mask"],
                self_attention_cache=self_cache,
                self_attention_cache_update_index=index,
                cross_attention_cache=cross_cache,
                return_attention_scores=weights_wanted,
            )
            self_caches.append(self_cache)
        states = parts["decoder_norm"](x)
        logits = parts["target_embedding"](states, reverse=True)
        if pointer is not None:
            logits, _ = pointer(
                logits,
                states,
                embedded,
                ops.mean(extras[0], axis=1),
                cache["memory"],
                cache["source_ids"],
            )
        return logits[:, 0], {**cache, "self_attention": self_caches}


def _positions(length, side):
    import keras_hub

    return keras_hub.layers.PositionEmbedding(
        sequence_length=length, name=f"{side}_positions"
    )
