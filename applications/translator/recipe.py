"""How the translator is trained: the model built from the training
pairs, and the fit loop a user would write.

    from applications.translator import data, recipe
    from attention_zoo.callbacks import GenerationEvaluator, standard

    splits = data.load("../shared/data/spa-eng/spa-eng.zip")
    model = recipe.build(splits.train, attention="multi_head", epochs=10)
    bleu = GenerationEvaluator(model.generate, *splits.validation)
    model.fit(*splits.train, epochs=10, validation_data=splits.validation,
              callbacks=[bleu, *standard("runs/spa", monitor="val_bleu",
                                         mode="max")])
    model.generate(["I love you."], method="beam", beam_width=4)
"""

import numpy as np

from applications._seq2seq.preprocessor import Seq2SeqPreprocessor
from applications._seq2seq.preprocessor import train_sentence_piece
from applications.translator.defaults import LENGTH_QUANTILE
from applications.translator.defaults import MAX_LENGTH
from applications.translator.defaults import MIN_LENGTH
from applications.translator.defaults import VOCABULARY_SIZE
from applications.translator.model import RecurrentSeq2SeqBackbone
from applications.translator.model import TransformerSeq2SeqBackbone
from applications.translator.model import Translator

RECURRENT = ("bahdanau", "luong")


def token_length(pieces):
    """Ids per sentence that hold `LENGTH_QUANTILE` of the sentences
    whole (their pieces and the end or start mark), within
    `[MIN_LENGTH, MAX_LENGTH]`."""
    lengths = [len(row) + 1 for row in pieces]
    length = int(np.ceil(np.quantile(lengths, LENGTH_QUANTILE)))
    return int(np.clip(length, MIN_LENGTH, MAX_LENGTH))


def build_preprocessor(
    train, vocabulary_size=VOCABULARY_SIZE, sequence_length=None
):
    """A `Seq2SeqPreprocessor` whose SentencePiece vocabulary (one for
    both languages) is learned from the training pairs `(sources,
    targets)`; `sequence_length` (ids per side) defaults to
    `token_length` of each side."""
    sources, targets = train
    proto = train_sentence_piece(list(sources) + list(targets), vocabulary_size)
    preprocessor = Seq2SeqPreprocessor(proto)
    if sequence_length:
        source_length = target_length = int(sequence_length)
    else:
        source_length = token_length(preprocessor.source_pieces(sources))
        target_length = token_length(preprocessor.target_pieces(targets))
    return Seq2SeqPreprocessor(proto, None, source_length, target_length)


def build(
    train,
    attention="multi_head",
    vocabulary_size=VOCABULARY_SIZE,
    sequence_length=None,
    epochs=None,
    batch_size=64,
    **backbone_kwargs,
):
    """A compiled `Translator` for the training pairs `train` (`(sources,
    targets)`, as `data.load(...).train`): its preprocessor from
    `build_preprocessor`, its backbone Transformer (`"multi_head"`,
    `"cosine"`) or recurrent (`"bahdanau"`, `"luong"`); with `epochs`,
    the learning rate warms up and decays over that many epochs of
    `batch_size`. `backbone_kwargs` go to the backbone."""
    preprocessor = build_preprocessor(train, vocabulary_size, sequence_length)
    backbone_class = (
        RecurrentSeq2SeqBackbone
        if attention in RECURRENT
        else TransformerSeq2SeqBackbone
    )
    backbone = backbone_class(
        preprocessor.source_vocabulary_size,
        preprocessor.target_vocabulary_size,
        shared_embeddings=preprocessor.shared_vocabulary,
        source_length=preprocessor.source_length,
        target_length=preprocessor.target_length,
        attention=attention,
        **backbone_kwargs,
    )
    model = Translator(backbone, preprocessor)
    steps = None
    if epochs:
        # All of `train` trains: the validation pairs are a split of their own.
        steps = max(epochs * -(-len(train[0]) // batch_size), 2)
    model.compile(optimizer=model.default_optimizer(steps))
    return model
