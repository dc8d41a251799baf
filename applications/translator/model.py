"""`Translator`: sentences in one language to sentences in another."""

from keras import saving

from applications._seq2seq.preprocessor import Seq2SeqPreprocessor
from applications._seq2seq.recurrent import RecurrentSeq2SeqBackbone
from applications._seq2seq.task import Seq2Seq
from applications._seq2seq.transformer import TransformerSeq2SeqBackbone

__all__ = [
    "RecurrentSeq2SeqBackbone",
    "Translator",
    "TransformerSeq2SeqBackbone",
]


@saving.register_keras_serializable(package="applications")
class Translator(Seq2Seq):
    """A `Seq2Seq` task trained on sentence pairs: `generate(["I love
    you."])` returns the translations (see `Seq2Seq` for decoding, and
    `recipe.build` for a model made from data)."""

    preprocessor_cls = Seq2SeqPreprocessor
