"""`Summarizer`: documents in, summaries out."""

from keras import saving

from applications._seq2seq.pointer import PointerGenerator
from applications._seq2seq.preprocessor import Seq2SeqPreprocessor
from applications._seq2seq.recurrent import RecurrentSeq2SeqBackbone
from applications._seq2seq.task import Seq2Seq
from applications._seq2seq.transformer import TransformerSeq2SeqBackbone

__all__ = [
    "PointerGenerator",
    "RecurrentSeq2SeqBackbone",
    "Summarizer",
    "TransformerSeq2SeqBackbone",
]


@saving.register_keras_serializable(package="applications")
class Summarizer(Seq2Seq):
    """A `Seq2Seq` task trained on documents and their summaries:
    `generate(["#Person1#: Hi ..."])` returns the summaries (see
    `Seq2Seq` for decoding, and `recipe.build` for a model made from
    data)."""

    preprocessor_cls = Seq2SeqPreprocessor
