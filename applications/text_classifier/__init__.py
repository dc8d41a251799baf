"""Text classification with attention: `TextClassifier` (a
`TextClassifierBackbone` and a `TextClassifierPreprocessor`), its data
loaders and recipe. Command line: `python -m applications.text_classifier`
(`cli.py`)."""

from applications.text_classifier import data
from applications.text_classifier import recipe
from applications.text_classifier.model import ATTENTIONS
from applications.text_classifier.model import TextClassifier
from applications.text_classifier.model import TextClassifierBackbone
from applications.text_classifier.preprocessor import TextClassifierPreprocessor

__all__ = [
    "ATTENTIONS",
    "TextClassifier",
    "TextClassifierBackbone",
    "TextClassifierPreprocessor",
    "data",
    "recipe",
]
