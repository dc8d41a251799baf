"""How the image classifier is trained: the model built from the data,
and the fit loop a user would write.

    from applications.image_classifier import data, recipe

    splits = data.load("fashion_mnist")
    model = recipe.build(splits, attention="cbam", epochs=10)  # compiled
    model.fit(splits.x_train, splits.y_train, batch_size=128, epochs=10,
              validation_split=0.1,
              callbacks=attention_zoo.callbacks.standard("runs/mine"))
    probabilities, maps = model.explain(splits.x_test[:8])
"""

import math

from applications import _recipe
from applications.image_classifier.defaults import BATCH_SIZE
from applications.image_classifier.model import ImageClassifier
from applications.image_classifier.model import ImageClassifierBackbone
from applications.image_classifier.preprocessor import (
    ImageClassifierPreprocessor,
)

DROPOUT = 0.2


def default_augmentation(data_name):
    """Horizontal flips, except for digits (a flipped 2 is no 2)."""
    return "translate" if str(data_name) == "mnist" else "flip"


def patch_size(height, width, max_patches=64):
    """The smallest patch side that divides both image sides and gives at
    most `max_patches` patches (attention is quadratic in their number):
    4 for 28x28 and 32x32 images, 28 for 224x224."""
    for side in range(1, max(height, width) + 1):
        if height % side == 0 and width % side == 0:
            if (height // side) * (width // side) <= max_patches:
                return side
    return math.gcd(height, width)


def build(
    splits,
    attention="cbam",
    epochs=None,
    batch_size=BATCH_SIZE,
    augmentation=("flip",),
    dropout=DROPOUT,
    **backbone_kwargs,
):
    """A compiled `ImageClassifier` for `splits` (a `data.ImageData`):
    its input shape, classes and normalization come from the training
    split; with `epochs`, the learning rate decays over that many epochs
    of `batch_size` (90% of the split, the rest validates).
    `backbone_kwargs` go to `ImageClassifierBackbone`."""
    mean, variance = splits.statistics()
    image_shape = splits.x_train.shape[1:]
    if attention == "multi_head" and "patch_size" not in backbone_kwargs:
        backbone_kwargs["patch_size"] = patch_size(*image_shape[:2])
    backbone = ImageClassifierBackbone(
        image_shape,
        mean,
        variance,
        attention=attention,
        augmentation=augmentation,
        dropout=dropout,
        **backbone_kwargs,
    )
    model = ImageClassifier(
        backbone,
        ImageClassifierPreprocessor(image_shape),
        splits.labels,
        dropout,
    )
    steps = None
    if epochs:
        steps = _recipe.total_steps(len(splits.y_train), batch_size, epochs)
    model.compile(optimizer=model.default_optimizer(steps))
    return model
