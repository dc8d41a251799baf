"""Image classification data: the Keras data sets and the user's own files.

`--data` may be:

- `fashion_mnist`, `mnist` or `cifar10`: the Keras data sets
  (`keras.datasets.<name>.load_data()`), read from the Keras cache
  (`$KERAS_HOME/datasets/`, `~/.keras/datasets/` by default) or downloaded
  there once. Offline, put the original files in the cache first, e.g.
  the four `*-ubyte.gz` files of Fashion-MNIST in
  `$KERAS_HOME/datasets/fashion-mnist/`;
- a folder with `train/<class>/` (and usually `test/<class>/`) holding
  images (PNG, JPEG, BMP, GIF), the folder name being the class;
- an `.npz` file with `x_train`, `y_train` (and usually `x_test`,
  `y_test`): images `(n, height, width)` or `(n, height, width,
  channels)`, labels `(n,)` integers or strings, and optionally
  `labels`, the class names of integer labels.

Any image size and channel count. Folder images are resized (bilinear)
to `image_size` (default: the size of the first training image).

Channel policy of folders, whatever the order of the files: every image
is read as RGB when any training image (in `train/`) is in colour, as
greyscale only when all of them are greyscale (modes 1, L, LA, I, F, or
a palette of greys). Converting means: greyscale images repeated over
the three channels, colour images to luma (ITU-R 601-2, for the test
images of a greyscale set), and transparent pixels (RGBA, LA, a PNG
transparency) composited on white, as a viewer on a white page shows
them. The test split and `test_data` are read in the training data's
channels, and images given to a trained model (evaluation, prediction)
in the model's. Whenever images had to change (another channel count,
or a transparent pixel), one line on stderr says how many, e.g.
`warning: data/train: converted 1 of 120 images to RGB (channel
policy: ...)`, and `ImageData.converted_images` keeps the count.
`.npz` arrays and the Keras data sets keep the channels they have.

A source without a test split is split with a seeded shuffle
(`test_fraction`), unless `test_data` names a held-out folder or `.npz`
(`applications._splits`, the policy all applications share). Bad input
raises `DataError` with one line that says what was wrong and what is
expected.
"""

import sys
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import PIL.Image

from applications._splits import LabelledData
from applications._splits import split_labelled
from applications.errors import DataError
from applications.errors import shortened

KERAS_DATASETS = {
    "fashion_mnist": (
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ),
    "mnist": tuple(str(digit) for digit in range(10)),
    "cifar10": (
        "airplane",
        "automobile",
        "bird",
        "cat",
        "deer",
        "dog",
        "frog",
        "horse",
        "ship",
        "truck",
    ),
}
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
COLOR_MODES = {1: "grayscale", 3: "rgb", 4: "rgba"}  # by channel count
FOLDER_LAYOUT = "train/<class>/*.png (and test/<class>/*.png)"
NPZ_KEYS = "x_train, y_train (and x_test, y_test)"
GREY_MODES = ("1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "F")
ALPHA_MODES = ("RGBA", "RGBa", "LA", "La", "PA")
CHANNEL_POLICY = (
    "channel policy: RGB when any training image is in colour, greyscale "
    "only when all are; transparency composited on white"
)
WHITE = 255


@dataclass
class ImageData(LabelledData):
    """Images `(n, height, width, channels)` and class indices `(n,)` of
    a training and a test split; class `i` is `labels[i]`.
    `converted_images` counts the image files whose channels the channel
    policy changed (see the module docstring)."""

    converted_images: int = 0

    def statistics(self, chunk=4096):
        """Per-channel mean and variance of the training images (in
        chunks: a float64 copy of CIFAR-10 would take 1.2 GB)."""
        channels = self.x_train.shape[-1]
        total = np.zeros(channels)
        squares = np.zeros(channels)
        for start in range(0, len(self.x_train), chunk):
            pixels = self.x_train[start : start + chunk]
            pixels = pixels.reshape(-1, channels).astype("float64")
            total += pixels.sum(axis=0)
            squares += np.square(pixels).sum(axis=0)
        count = self.x_train.size // channels
        mean = total / count
        variance = np.maximum(squares / count - np.square(mean), 0.0)
        return mean.tolist(), variance.tolist()


# Readers ---------------------------------------------------------------------


def read_keras_dataset(name):
    """`{"train": (x, y), "test": (x, y)}, labels` of a Keras data set."""
    try:
        (x_train, y_train), (x_test, y_test) = getattr(
            keras.datasets, name
        ).load_data()
    except Exception as error:  # no network and not in the cache
        raise DataError(
            f"{name} could not be loaded from the Keras cache or "
            f"downloaded ({type(error).__name__}: {shortened(error, 50)}); "
            "offline, put its files in $KERAS_HOME/datasets/ first"
        ) from error
    splits = {
        "train": (_with_channels(x_train), y_train.reshape(-1)),
        "test": (_with_channels(x_test), y_test.reshape(-1)),
        "converted": 0,
    }
    return splits, list(KERAS_DATASETS[name])


def _with_channels(images):
    return images[..., None] if images.ndim == 3 else images


def _hidden(path):
    """macOS and editor leftovers: `._x.png`, `.DS_Store`, `__MACOSX`."""
    return path.name.startswith(".") or path.name == "__MACOSX"


def _image_files(folder):
    return sorted(
        path
        for path in folder.iterdir()
        if path.is_file()
        and not _hidden(path)
        and path.suffix.lower() in IMAGE_SUFFIXES
    )


def _is_grey(image):
    """Whether an open PIL image holds grey levels only (by its mode, or
    for a palette image, by its palette)."""
    if image.mode in GREY_MODES:
        return True
    if image.mode in ("P", "PA"):
        palette = np.asarray(image.getpalette() or [0, 0, 0]).reshape(-1, 3)
        return bool((palette == palette[:, :1]).all())
    return False


def _has_alpha(image):
    return image.mode in ALPHA_MODES or "transparency" in image.info


def _is_colour(path):
    """Whether the image file at `path` is in colour (its header only)."""
    try:
        with PIL.Image.open(path) as image:
            return not _is_grey(image)
    except Exception as error:  # PIL's errors for damaged files vary
        raise DataError(
            f"{path} is not a readable image ({shortened(error)}); "
            "expected PNG, JPEG, BMP or GIF files"
        ) from error


def _read(path, color_mode, size):
    """`(pixels, converted)`: the uint8 pixels `(height, width, channels)`
    of the file as `color_mode` (`None`: greyscale files as greyscale,
    others as RGB), resized to `size` if given; `converted` says if the
    channel policy changed them (another channel count, or transparent
    pixels composited on white)."""
    try:
        with PIL.Image.open(path) as image:
            image.load()  # PIL decodes lazily: a truncated file fails here
            grey = _is_grey(image)
            if color_mode is None:
                color_mode = "grayscale" if grey else "rgb"
            converted = grey != (color_mode == "grayscale")
            if color_mode == "rgba":
                image = image.convert("RGBA")
            elif _has_alpha(image):
                image = image.convert("RGBA")
                if image.getchannel("A").getextrema()[0] < WHITE:
                    converted = True
                background = PIL.Image.new("RGBA", image.size, (WHITE,) * 4)
                image = PIL.Image.alpha_composite(background, image)
            target = {"grayscale": "L", "rgb": "RGB", "rgba": "RGBA"}
            if image.mode != target[color_mode]:
                image = image.convert(target[color_mode])
            if size is not None and image.size != (size[1], size[0]):
                image = image.resize(
                    (int(size[1]), int(size[0])), PIL.Image.Resampling.BILINEAR
                )
            pixels = np.asarray(image, dtype="uint8")
    except Exception as error:  # PIL's errors for damaged files vary
        raise DataError(
            f"{path} is not a readable image ({shortened(error)}); "
            "expected PNG, JPEG, BMP or GIF files"
        ) from error
    return (pixels[..., None] if pixels.ndim == 2 else pixels), converted


def read_image(path, color_mode, size):
    """`(height, width, channels)` uint8 pixels of an image file, as
    `color_mode` (`"grayscale"`, `"rgb"`, `"rgba"`; `None`: greyscale
    files as greyscale, others as RGB), resized to `size` if given.
    Transparent pixels are composited on white (but kept as alpha for
    `"rgba"`)."""
    return _read(path, color_mode, size)[0]


def _warn_converted(path, converted, total, color_mode, decided):
    if not converted:
        return
    target = {"grayscale": "greyscale", "rgb": "RGB", "rgba": "RGBA"}
    why = CHANNEL_POLICY if decided else "the channels of the model"
    print(
        f"warning: {path}: converted {converted} of {total} images to "
        f"{target[color_mode]} ({why})",
        file=sys.stderr,
    )


def read_folder(path, image_size=None, channels=None, held_out=False):
    """`{"train": (x, names), "test": (x, names) or None, "converted":
    count}` of a folder, under the channel policy of the module
    docstring; `channels` 1, 3 or 4 forces greyscale, RGB or RGBA. With
    `held_out`, a folder with `test/` has only that read (evaluation
    never decodes `train/`). Prints one warning line to stderr when
    images were converted.
    """
    files = {}
    for split in ("train", "test"):
        folder = path / split
        if held_out and split == "train" and (path / "test").is_dir():
            continue
        if not folder.is_dir():
            continue
        files[split] = [
            (file, class_folder.name)
            for class_folder in sorted(folder.iterdir())
            if class_folder.is_dir() and not _hidden(class_folder)
            for file in _image_files(class_folder)
        ]
    if not files.get("train") and not (held_out and files.get("test")):
        where = (
            "test/<class>/ or train/<class>/"
            if held_out
            else ("train/<class>/")
        )
        raise DataError(
            f"{path} has no images in {where}; expected {FOLDER_LAYOUT}"
        )
    # The split that decides: training, or what evaluation reads.
    deciding = files.get("train") or files["test"]
    color_mode = COLOR_MODES.get(channels)
    decided = color_mode is None
    if decided:
        colour = any(_is_colour(file) for file, _ in deciding)
        color_mode = "rgb" if colour else "grayscale"
    size = image_size or read_image(deciding[0][0], None, None).shape[:2]

    splits = {"train": None, "test": None}
    converted = total = 0
    for split, pairs in files.items():
        if not pairs:
            continue
        images = []
        for file, _ in pairs:
            pixels, changed = _read(file, color_mode, size)
            images.append(pixels)
            converted += changed
        total += len(pairs)
        splits[split] = (np.stack(images), [name for _, name in pairs])
    _warn_converted(path, converted, total, color_mode, decided)
    splits["converted"] = converted
    return splits


def read_npz(path):
    """`{"train": (x, y), "test": (x, y) or None}, labels or None`."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except Exception as error:  # zip, zlib, pickle and format errors vary
        raise DataError(
            f"{path} is not a readable .npz file ({shortened(error)}); "
            "expected numpy arrays "
            f"{NPZ_KEYS}"
        ) from error
    missing = [key for key in ("x_train", "y_train") if key not in arrays]
    if missing:
        raise DataError(
            f"{path} has no {' and no '.join(missing)} (arrays: "
            f"{', '.join(sorted(arrays)) or 'none'}); expected {NPZ_KEYS}"
        )
    splits = {}
    for split in ("train", "test"):
        x, y = arrays.get(f"x_{split}"), arrays.get(f"y_{split}")
        if x is None or y is None:
            splits[split] = None
            continue
        x = _with_channels(x)
        y = _plain_labels(y.reshape(-1))
        if x.dtype.kind not in "biuf":
            raise DataError(
                f"{path}: x_{split} holds {x.dtype} values; expected "
                "numbers (pixels 0-255 or 0-1)"
            )
        if x.ndim != 4 or len(x) != len(y):
            raise DataError(
                f"{path}: x_{split} {x.shape} and y_{split} {y.shape} do "
                "not match; expected images (n, height, width[, channels]) "
                "and n labels"
            )
        if x.shape[1] in (1, 3, 4) and x.shape[-1] not in (1, 3, 4):
            raise DataError(
                f"{path}: x_{split} {x.shape} looks channels-first; "
                "expected (n, height, width, channels), e.g. "
                "np.moveaxis(x, 1, -1)"
            )
        if x.dtype.kind == "f" and not np.isfinite(x).all():
            bad = ~np.isfinite(x.reshape(len(x), -1)).all(axis=1)
            raise DataError(
                f"{path}: x_{split} has non-finite pixels (NaN or inf) in "
                f"{int(bad.sum())} of {len(x)} images, the first at index "
                f"{int(np.argmax(bad))}; expected finite numbers"
            )
        if x.dtype.kind == "f" and x.size and x.max() <= 1.0:
            # Image files read as 0-255: keep one range for train/predict.
            x = x.astype("float32") * 255.0
        splits[split] = (x, y)
    splits["converted"] = 0
    names = arrays.get("labels")
    if names is None:
        return splits, None
    names = [str(name) for name in _plain_labels(names.reshape(-1))]
    if len(set(names)) != len(names):
        raise DataError(
            f"{path}: its 'labels' array repeats class names; expected "
            "the distinct class names, class i being labels[i]"
        )
    return splits, names


def _plain_labels(y):
    """Integral floats as integers, bytes as text."""
    if y.dtype.kind == "f" and np.all(y == np.round(y)):
        return y.astype("int64")
    if y.dtype.kind == "S":
        return np.char.decode(y, "utf-8")
    return y


def read_source(path, image_size=None, channels=None, held_out=False):
    """`({"train": (x, y), "test": (x, y) or None, "converted": count},
    class names or None)`; `y` holds integers indexing the names, or the
    class names; `count` is the number of images converted by the
    channel policy."""
    if str(path) in KERAS_DATASETS:
        return read_keras_dataset(str(path))
    path = Path(path)
    if not path.exists():
        raise DataError(
            f"{path} does not exist; expected {', '.join(KERAS_DATASETS)}, "
            "an image folder train/<class>/ or an .npz file"
        )
    try:
        if path.is_dir():
            return read_folder(path, image_size, channels, held_out), None
        if path.suffix.lower() == ".npz":
            return read_npz(path)
    except PermissionError as error:
        raise DataError(
            f"{path} cannot be read ({error.strerror}); check its permissions"
        ) from error
    raise DataError(
        f"{path} has an unknown format; expected {', '.join(KERAS_DATASETS)}"
        ", an image folder train/<class>/ or an .npz file"
    )


# Loading ---------------------------------------------------------------------


def _class_names(y, names, source):
    """Labels as strings: `names[y]` for integer labels with names."""
    if names is not None and y.dtype.kind in "iu":
        if len(y) and (y.min() < 0 or y.max() >= len(names)):
            raise DataError(
                f"{source}: labels run from {y.min()} to {y.max()} but "
                f"{len(names)} "
                "class names were given; expected labels 0 to "
                f"{len(names) - 1}"
            )
        y = [names[label] for label in y]
    # Python strings (object array): messages show 'Bag', not np.str_.
    return np.array([str(label) for label in y], dtype=object)


def _label_order(label):
    """Integer-like labels in number order (2 before 10), then text."""
    try:
        return (0, int(label), "")
    except ValueError:
        return (1, 0, label)


def load(
    path,
    test_data=None,
    test_fraction=0.2,
    max_examples=None,
    seed=1337,
    image_size=None,
):
    """Reads `path` (see the module docstring) into an `ImageData`.

    Args:
        path: the data.
        test_data: a held-out folder or `.npz`; its test split is used if
            it has one, else all of it.
        test_fraction: the share held out when neither `path` nor
            `test_data` has a test split.
        max_examples: at most this many training and this many test
            examples (a seeded sample), for quick runs.
        seed: seed of the shuffles.
        image_size: `(height, width)` folder images are resized to.

    Returns:
        An `ImageData`, both splits shuffled; `labels` are the data set's
        class names, or the sorted distinct training labels;
        `converted_images` counts the images of `path` and `test_data`
        the channel policy converted.
    """
    source, names = read_source(path, image_size)
    converted = source["converted"]
    x_train, y_train = source["train"]
    train = (x_train, _class_names(y_train, names, path))
    test = None
    if test_data is not None:
        held, held_names = read_source(
            test_data,
            image_size or x_train.shape[1:3],
            channels=x_train.shape[-1],
        )
        x_test, y_test = held["test"] or held["train"]
        test = (x_test, _class_names(y_test, held_names or names, test_data))
        converted += held["converted"]
    elif source["test"] is not None:
        x_test, y_test = source["test"]
        test = (x_test, _class_names(y_test, names, path))
    if test is not None and test[0].shape[1:] != x_train.shape[1:]:
        raise DataError(
            f"{test_data or path} holds test images of shape "
            f"{test[0].shape[1:]}, the training data {x_train.shape[1:]}; "
            "expected the same shape"
        )
    loaded = split_labelled(
        train,
        test,
        test_fraction=test_fraction,
        max_examples=max_examples,
        seed=seed,
        source=str(path),
        class_names=names,
        label_order=_label_order,
        test_source=None if test_data is None else str(test_data),
    )
    return ImageData(**vars(loaded), converted_images=converted)


def load_test(path, image_shape, max_examples=None, seed=1337):
    """`(images, label names)` held out in `path`, for a model taking
    `image_shape`: its test split if it has one, else all of it, image
    files read in the model's channels."""
    source, names = read_source(
        path, image_shape[:2], channels=image_shape[-1], held_out=True
    )
    x, y = source["test"] or source["train"]
    if tuple(x.shape[1:]) != tuple(image_shape):
        raise DataError(
            f"{path} holds images of shape {tuple(x.shape[1:])}; "
            f"expected {tuple(image_shape)}, the shape the model was "
            "trained on"
        )
    order = np.random.default_rng(seed).permutation(len(y))[:max_examples]
    names = _class_names(y, names, path)
    return x[order], [str(label) for label in names[order]]
