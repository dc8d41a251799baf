"""Text classification with attention: `TextClassifier`, its data loaders
and recipe. Command line: `python -m applications.text_classifier`."""

from applications.text_classifier import data
from applications.text_classifier import recipe
from applications.text_classifier.model import ATTENTIONS
from applications.text_classifier.model import TextClassifier

__all__ = ["ATTENTIONS", "TextClassifier", "data", "recipe"]
