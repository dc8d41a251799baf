"""How the text classifier is trained: the model built from the data, and
the fit loop a user would write.

    from applications.text_classifier import data, recipe

    splits = data.load("data/imdb_sample/train.csv",
                       test_data="data/imdb_sample/test.csv")
    model = recipe.build(splits, attention="luong", epochs=5)  # compiled
    model.fit(splits.x_train, splits.y_train, epochs=5,
              validation_split=0.1,
              callbacks=attention_zoo.callbacks.standard("runs/mine"))
    model.predict(["A wonderful film."])
"""

from applications import _recipe
from applications.text_classifier.defaults import SEQUENCE_LENGTH
from applications.text_classifier.defaults import VOCABULARY_SIZE
from applications.text_classifier.model import TextClassifier
from applications.text_classifier.model import TextClassifierBackbone
from applications.text_classifier.preprocessor import TextClassifierPreprocessor
from applications.text_classifier.preprocessor import build_vocabulary

DROPOUT = 0.25


def build(
    splits,
    attention="bahdanau",
    vocabulary_size=VOCABULARY_SIZE,
    sequence_length=SEQUENCE_LENGTH,
    epochs=None,
    batch_size=32,
    dropout=DROPOUT,
    **backbone_kwargs,
):
    """A compiled `TextClassifier` whose vocabulary and labels come from
    the training split of `splits` (a `LabelledData` of `data.load`); with
    `epochs`, the learning rate decays over that many epochs of
    `batch_size`. `backbone_kwargs` go to `TextClassifierBackbone`."""
    preprocessor = TextClassifierPreprocessor(
        build_vocabulary(splits.x_train, vocabulary_size), sequence_length
    )
    backbone = TextClassifierBackbone(
        preprocessor.vocabulary_size,
        attention=attention,
        sequence_length=sequence_length,
        dropout=dropout,
        **backbone_kwargs,
    )
    model = TextClassifier(backbone, preprocessor, splits.labels, dropout)
    steps = None
    if epochs:
        steps = _recipe.total_steps(len(splits.y_train), batch_size, epochs)
    model.compile(optimizer=model.default_optimizer(steps))
    return model
