"""The encoder-decoder core the translator and the summarizer share.

- `preprocessor`: SentencePiece subwords in and out (`Seq2SeqPreprocessor`);
- `backbone`: what every encoder-decoder offers (`Seq2SeqBackbone`);
- `transformer`, `recurrent`: the Transformer and the recurrent
  (Bahdanau, Luong) encoder-decoders, each with cached decoding steps;
- `samplers`: greedy, beam search, top-k and top-p;
- `task`: `Seq2Seq`, training on sentence pairs and generation.
"""
