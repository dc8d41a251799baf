"""Image classification with attention: `ImageClassifier` (an
`ImageClassifierBackbone` and an `ImageClassifierPreprocessor`), its data
loaders and recipe. Command line: `python -m applications.image_classifier`
(`cli.py`)."""

from applications.image_classifier import data
from applications.image_classifier import recipe
from applications.image_classifier.model import ATTENTIONS
from applications.image_classifier.model import ImageClassifier
from applications.image_classifier.model import ImageClassifierBackbone
from applications.image_classifier.preprocessor import (
    ImageClassifierPreprocessor,
)

__all__ = [
    "ATTENTIONS",
    "ImageClassifier",
    "ImageClassifierBackbone",
    "ImageClassifierPreprocessor",
    "data",
    "recipe",
]
