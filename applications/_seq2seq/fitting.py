"""A preprocessor and a backbone fitted to training pairs: what the
translator's and the summarizer's recipes share."""

import numpy as np

from applications._seq2seq.preprocessor import Seq2SeqPreprocessor
from applications._seq2seq.preprocessor import train_sentence_piece
from applications._seq2seq.recurrent import RecurrentSeq2SeqBackbone
from applications._seq2seq.transformer import TransformerSeq2SeqBackbone

RECURRENT = ("bahdanau", "luong")


def token_length(pieces, quantile, shortest, longest):
    """Ids per text that hold the share `quantile` of the texts whole
    (their pieces and the end or start mark), within `[shortest,
    longest]`."""
    lengths = [len(row) + 1 for row in pieces]
    length = int(np.ceil(np.quantile(lengths, quantile)))
    return int(np.clip(length, shortest, longest))


def fit_preprocessor(
    sources,
    targets,
    vocabulary_size,
    source_length=None,
    target_length=None,
    quantile=(0.99, 0.99),
    shortest=8,
    longest=(128, 128),
):
    """A `Seq2SeqPreprocessor` whose SentencePiece vocabulary (one for
    both sides) is learned from the training pairs; a length not given
    is `token_length` of that side at its `quantile`, at most `longest`
    (both `(source, target)` pairs)."""
    proto = train_sentence_piece(list(sources) + list(targets), vocabulary_size)
    preprocessor = Seq2SeqPreprocessor(proto)
    if not source_length:
        pieces = preprocessor.source_pieces(sources)
        source_length = token_length(pieces, quantile[0], shortest, longest[0])
    if not target_length:
        pieces = preprocessor.target_pieces(targets)
        target_length = token_length(pieces, quantile[1], shortest, longest[1])
    return Seq2SeqPreprocessor(
        proto, None, int(source_length), int(target_length)
    )


def fit_backbone(preprocessor, attention, **backbone_kwargs):
    """The backbone of `attention` for `preprocessor`'s vocabulary and
    lengths: recurrent (`"bahdanau"`, `"luong"`) or Transformer (the
    rest)."""
    backbone_class = (
        RecurrentSeq2SeqBackbone
        if attention in RECURRENT
        else TransformerSeq2SeqBackbone
    )
    return backbone_class(
        preprocessor.source_vocabulary_size,
        preprocessor.target_vocabulary_size,
        shared_embeddings=preprocessor.shared_vocabulary,
        source_length=preprocessor.source_length,
        target_length=preprocessor.target_length,
        attention=attention,
        **backbone_kwargs,
    )


def training_steps(epochs, examples, batch_size):
    """Optimizer steps of `epochs` epochs (at least 2, for the warmup)."""
    if not epochs:
        return None
    return max(epochs * -(-examples // batch_size), 2)
