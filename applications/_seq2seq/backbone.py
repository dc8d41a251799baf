"""What every encoder-decoder backbone offers the task and its samplers."""

import keras

from applications._task import Backbone


class Seq2SeqBackbone(Backbone):
    """An encoder-decoder: source and target ids in, next-token logits out.

    The functional graph takes `{"encoder_token_ids": (batch, S),
    "decoder_token_ids": (batch, T)}` (int32, 0 pads) and returns
    `{"logits": (batch, T, target_vocabulary) float32, "alignment":
    (batch, T, S)}`: position `t` predicts the token after
    `decoder_token_ids[:, t]`, and `alignment` is the attention over
    source positions (a pointer-generator adds `"copying"` `(batch, T)`,
    the weight of copying over generating). Cached decoding runs the same
    computation one token at a time:

    - `start_cache(encoder_token_ids, max_length)` runs the encoder once
      and returns the decoder's cache (a nested structure of tensors,
      batch first, so that beam search can copy and reorder it);
    - `decode_step(token_ids, cache, index)` takes the ids `(batch, 1)`
      at position `index` and returns the logits `(batch, vocabulary)`
      of position `index + 1` and the updated cache.
    """

    @staticmethod
    def token_inputs():
        return (
            keras.Input((None,), dtype="int32", name="encoder_token_ids"),
            keras.Input((None,), dtype="int32", name="decoder_token_ids"),
        )

    @staticmethod
    def check_vocabularies(shared, source_size, target_size):
        if shared and source_size != target_size:
            raise ValueError(
                "`shared_embeddings=True` needs one vocabulary for both "
                f"sides; received {source_size} source and {target_size} "
                "target ids."
            )

    def start_cache(self, encoder_token_ids, max_length):
        raise NotImplementedError

    def decode_step(self, token_ids, cache, index):
        raise NotImplementedError
