"""How the image classifier is trained: compile defaults, the fit loop, and
what the shared command line needs (`APPLICATION`).

The loop a user would write:

    from applications.image_classifier import data, recipe

    splits = data.load("fashion_mnist")
    model = recipe.build(splits, attention="cbam", epochs=10)  # compiled
    model.fit(splits.x_train, splits.y_train, batch_size=128, epochs=10,
              validation_split=0.1,
              callbacks=attention_zoo.callbacks.standard("runs/mine"))
    probabilities, maps = model.explain(splits.x_test[:8])
"""

import math
from pathlib import Path

import numpy as np

from applications import _cli
from applications import _recipe
from applications._classifier import ClassifierApplication
from applications._classifier import encode
from applications.image_classifier import data as image_data
from applications.image_classifier.model import ATTENTIONS
from applications.image_classifier.model import ImageClassifier
from attention_zoo.metrics import classification_metrics
from attention_zoo.recipes import SparseCategoricalCrossentropy
from attention_zoo.visualize import plot_image_attention

LEARNING_RATE = 3e-3
WEIGHT_DECAY = 0.05
LABEL_SMOOTHING = 0.1
BATCH_SIZE = 128
ATTENTION_PICTURES = 8
AUGMENTATION_CHOICES = {
    "flip": ("flip",),
    "translate": ("translate",),
    "flip+translate": ("flip", "translate"),
    "none": (),
}


def optimizer(total_steps=None):
    """AdamW at `LEARNING_RATE`, decaying over `total_steps` if given
    (`applications._recipe.decaying_adamw`)."""
    return _recipe.decaying_adamw(LEARNING_RATE, WEIGHT_DECAY, total_steps)


def loss():
    return SparseCategoricalCrossentropy(label_smoothing=LABEL_SMOOTHING)


def metrics(num_classes):
    """Accuracy and macro precision, recall, F1, PR-AUC."""
    return classification_metrics(num_classes)


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
    **kwargs,
):
    """A compiled `ImageClassifier` for `splits` (a `data.ImageData`):
    its input shape, classes and normalization come from the training
    split; with `epochs`, the learning rate decays over that many epochs
    of `batch_size` (90% of the split, the rest validates)."""
    mean, variance = splits.statistics()
    if attention == "multi_head" and "patch_size" not in kwargs:
        kwargs["patch_size"] = patch_size(*splits.x_train.shape[1:3])
    model = ImageClassifier(
        splits.labels,
        splits.x_train.shape[1:],
        mean,
        variance,
        attention=attention,
        augmentation=augmentation,
        **kwargs,
    )
    steps = None
    if epochs:
        steps = _recipe.total_steps(len(splits.y_train), batch_size, epochs)
    model.compile(optimizer=optimizer(steps))
    return model


def read_images(model, paths):
    """`(n, *model.image_shape)` uint8 images of image files."""
    height, width, channels = model.image_shape
    color_mode = image_data.COLOR_MODES.get(channels)
    if color_mode is None:
        raise _cli.UsageError(
            f"the model takes {channels}-channel images, which cannot be "
            "read from image files; use evaluate with an .npz file"
        )
    images = []
    for path in paths:
        if not Path(path).is_file():
            raise _cli.UsageError(
                f"{path} does not exist; expected image files (PNG, JPEG, "
                "BMP or GIF)"
            )
        images.append(image_data.read_image(path, color_mode, (height, width)))
    return np.stack(images)


class ImageClassifierApplication(ClassifierApplication):
    model_class = ImageClassifier
    name = "image_classifier"
    description = "Image classification with spatial/channel attention."
    attention_choices = ATTENTIONS
    default_attention = "cbam"
    default_epochs = 10
    default_batch_size = BATCH_SIZE
    data_help = (
        "fashion_mnist, mnist or cifar10 (Keras cache or download), a "
        "folder train/<class>/ + test/<class>/ of images, or an .npz with "
        "x_train, y_train, x_test, y_test"
    )
    input_help = "image files to classify"

    def add_arguments(self, parser, command):
        if command == "train":
            parser.add_argument(
                "--augment",
                choices=tuple(AUGMENTATION_CHOICES),
                default=None,
                help="training augmentation (default: flip, but "
                "translate for mnist)",
            )
            parser.add_argument(
                "--image-size",
                type=_cli.positive_int,
                nargs=2,
                metavar=("HEIGHT", "WIDTH"),
                help="resize folder images to this size (default: the "
                "size of the first training image); folders only",
            )

    def load_data(self, args):
        loaded = image_data.load(
            args.data,
            test_data=args.test_data,
            test_fraction=args.test_fraction,
            max_examples=args.max_examples,
            seed=args.seed,
            image_size=args.image_size,
        )
        splits = _cli.Splits(
            loaded.x_train,
            loaded.y_train,
            loaded.x_test,
            loaded.y_test,
            info={
                "labels": loaded.labels,
                "image_shape": list(loaded.x_train.shape[1:]),
            },
        )
        splits.image_data = loaded
        return splits

    def build_model(self, args, splits):
        augment = args.augment or default_augmentation(args.data)
        splits.info["augmentation"] = augment
        return build(
            splits.image_data,
            attention=args.attention,
            epochs=args.epochs,
            batch_size=args.batch_size,
            augmentation=AUGMENTATION_CHOICES[augment],
        )

    def load_test_data(self, args, model):
        images, labels = image_data.load_test(
            args.data,
            model.image_shape,
            max_examples=args.max_examples,
            seed=args.seed,
        )
        return images, encode(model, labels, where=f"--data {args.data}")

    def predict(self, model, inputs, explain, top_k, verbose):
        images = read_images(model, inputs)
        if explain and model.has_attention_map:
            probabilities, maps = model.explain(images, verbose=verbose)
        else:
            probabilities = model.predict(images, verbose=verbose)
            maps = None
        results = []
        for i, (path, row) in enumerate(zip(inputs, probabilities)):
            ranked = np.argsort(-row)[:top_k]
            result = {
                "input": path,
                "label": model.labels[int(ranked[0])],
                "probability": round(float(row[ranked[0]]), 6),
                "top": [
                    {
                        "label": model.labels[int(c)],
                        "probability": round(float(row[c]), 6),
                    }
                    for c in ranked
                ],
            }
            if explain:
                result["attention"] = (
                    None
                    if maps is None
                    else np.round(maps[i].astype("float64"), 4).tolist()
                )
            results.append(result)
        return results

    def save_attention(self, model, splits, directory):
        if not model.has_attention_map:
            return  # attention="none": nothing to draw
        directory.mkdir(parents=True, exist_ok=True)
        images = splits.x_test[:ATTENTION_PICTURES]
        probabilities, maps = model.explain(images)
        for i, image in enumerate(images):
            if image.shape[-1] not in (1, 3, 4):  # shown as their mean
                image = image.mean(axis=-1)
            guess = int(np.argmax(probabilities[i]))
            truth = model.labels[int(splits.y_test[i])]
            figure = plot_image_attention(
                image,
                maps[i],
                path=directory / f"test_{i:03d}.png",
                title=(
                    f"predicted {model.labels[guess]} "
                    f"(p = {probabilities[i, guess]:.2f}), true {truth}"
                ),
            )
            figure.clf()


APPLICATION = ImageClassifierApplication()
