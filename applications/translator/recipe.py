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

from applications._seq2seq.fitting import fit_backbone
from applications._seq2seq.fitting import fit_preprocessor
from applications._seq2seq.fitting import training_steps
from applications.translator.defaults import LENGTH_QUANTILE
from applications.translator.defaults import MAX_LENGTH
from applications.translator.defaults import MIN_LENGTH
from applications.translator.defaults import VOCABULARY_SIZE
from applications.translator.model import Translator


def build_preprocessor(
    train, vocabulary_size=VOCABULARY_SIZE, sequence_length=None
):
    """A `Seq2SeqPreprocessor` whose SentencePiece vocabulary (one for
    both languages) is learned from the training pairs `(sources,
    targets)`; `sequence_length` (ids per side) defaults to the longest
    of `LENGTH_QUANTILE` of each side's sentences, within `[MIN_LENGTH,
    MAX_LENGTH]`."""
    sources, targets = train
    return fit_preprocessor(
        sources,
        targets,
        vocabulary_size,
        sequence_length,
        sequence_length,
        quantile=(LENGTH_QUANTILE, LENGTH_QUANTILE),
        shortest=MIN_LENGTH,
        longest=(MAX_LENGTH, MAX_LENGTH),
    )


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
    backbone = fit_backbone(preprocessor, attention, **backbone_kwargs)
    model = Translator(backbone, preprocessor)
    # All of `train` trains: the validation pairs are a split of their own.
    steps = training_steps(epochs, len(train[0]), batch_size)
    model.compile(optimizer=model.default_optimizer(steps))
    return model
