"""`ImageClassifierPreprocessor`: image files to the model's pixels."""

import os
from pathlib import Path

import numpy as np
from keras import saving

from applications.errors import DataError
from applications.image_classifier.data import COLOR_MODES
from applications.image_classifier.data import read_image


def _is_paths(x):
    if isinstance(x, (str, os.PathLike)):
        return True
    return (
        isinstance(x, (list, tuple))
        and bool(x)
        and (isinstance(x[0], (str, os.PathLike)))
    )


@saving.register_keras_serializable(package="applications")
class ImageClassifierPreprocessor:
    """Maps image files to uint8 pixels `(n, *image_shape)`.

    Files (PNG, JPEG, BMP, GIF) are read in the model's channels,
    greyscale, RGB or RGBA by the channel count of `image_shape`, and
    resized (bilinear) to its height and width, as the training folders
    were read (`data`'s channel policy): a colour file given to a
    greyscale model is converted to luma, a greyscale file given to an
    RGB model repeated over the channels, and transparent pixels are
    composited on white. Arrays and data sets pass through unchanged:
    the model normalizes pixels itself.

    Args:
        image_shape: `(height, width, channels)` of the model's inputs.

    Example:

    >>> preprocessor = ImageClassifierPreprocessor((16, 16, 1))
    >>> preprocessor(np.zeros((2, 16, 16, 1))).shape
    (2, 16, 16, 1)
    """

    def __init__(self, image_shape):
        self.image_shape = tuple(int(size) for size in image_shape)

    def __call__(self, x):
        """Pixels of image files; anything else is returned unchanged."""
        if not _is_paths(x):
            return x
        if isinstance(x, (str, os.PathLike)):
            x = [x]
        height, width, channels = self.image_shape
        color_mode = COLOR_MODES.get(channels)
        if color_mode is None:
            raise DataError(
                f"the model takes {channels}-channel images, which cannot "
                "be read from image files; give it arrays in Python "
                "(model.predict)"
            )
        images = []
        for path in x:
            if Path(path).is_dir():
                raise DataError(
                    f"{path} is a folder; expected image files (PNG, JPEG, "
                    "BMP or GIF)"
                )
            if not Path(path).is_file():
                raise DataError(
                    f"{path} does not exist; expected image files (PNG, "
                    "JPEG, BMP or GIF)"
                )
            images.append(read_image(path, color_mode, (height, width)))
        return np.stack(images)

    def get_config(self):
        return {"image_shape": list(self.image_shape)}

    @classmethod
    def from_config(cls, config):
        return cls(**config)
