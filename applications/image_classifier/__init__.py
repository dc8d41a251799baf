"""Image classification with attention: `ImageClassifier`, its data
loaders and recipe. Command line: `python -m applications.image_classifier`."""

from applications.image_classifier import data
from applications.image_classifier import recipe
from applications.image_classifier.model import ATTENTIONS
from applications.image_classifier.model import ImageClassifier

__all__ = ["ATTENTIONS", "ImageClassifier", "data", "recipe"]
