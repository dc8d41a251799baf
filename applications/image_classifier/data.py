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

Any image size and channel count. Folder images are read as greyscale if
the first training image is, else as RGB, and resized (bilinear) to
`image_size` (default: the size of the first training image). A source
without a test split is split with a seeded shuffle (`test_fraction`),
unless `test_data` names a held-out folder or `.npz` (`applications.
_splits`, the policy all applications share). Bad input raises
`DataError` with one line that says what was wrong and what is expected.
"""

from pathlib import Path

import keras
import numpy as np
import PIL.Image

from applications._splits import LabelledData
from applications._splits import split_labelled
from applications.errors import DataError

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


class ImageData(LabelledData):
    """Images `(n, height, width, channels)` and class indices `(n,)` of
    a training and a test split; class `i` is `labels[i]`."""

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
            f"downloaded ({type(error).__name__}: {error}); offline, put "
            "its files in $KERAS_HOME/datasets/ first"
        ) from error
    splits = {
        "train": (_with_channels(x_train), y_train.reshape(-1)),
        "test": (_with_channels(x_test), y_test.reshape(-1)),
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


def read_image(path, color_mode, size):
    """`(height, width, channels)` uint8 pixels of an image file, as
    `color_mode` (`"grayscale"`, `"rgb"`, `"rgba"`; `None`: greyscale
    files as greyscale, others as RGB), resized to `size` if given."""
    try:
        if color_mode is None:
            with PIL.Image.open(path) as image:  # keras's load_img converts
                grey = image.mode in ("1", "L", "LA", "I", "I;16", "F")
            color_mode = "grayscale" if grey else "rgb"
        image = keras.utils.load_img(
            path,
            color_mode=color_mode,
            target_size=size,
            interpolation="bilinear",
        )
        # PIL decodes lazily: a truncated file fails here.
        return keras.utils.img_to_array(image, dtype="uint8")
    except Exception as error:  # PIL's errors for damaged files vary
        raise DataError(
            f"{path} is not a readable image ({error}); expected PNG, "
            "JPEG, BMP or GIF files"
        ) from error


def read_folder(path, image_size=None, channels=None, held_out=False):
    """`{"train": (x, names), "test": (x, names) or None}` of a folder;
    `channels` 1 or 3 forces greyscale or RGB. With `held_out`, a folder
    with `test/` has only that read (evaluation never decodes `train/`).
    """
    splits = {"train": None, "test": None}
    color_mode = COLOR_MODES.get(channels)
    size = image_size
    for split in ("train", "test"):
        folder = path / split
        if held_out and split == "train" and (path / "test").is_dir():
            continue
        if not folder.is_dir():
            splits[split] = None
            continue
        images, names = [], []
        for class_folder in sorted(folder.iterdir()):
            if not class_folder.is_dir() or _hidden(class_folder):
                continue
            for file in _image_files(class_folder):
                if color_mode is None or size is None:
                    first = read_image(file, None, None)
                    size = size or first.shape[:2]
                    color_mode = color_mode or (
                        "grayscale" if first.shape[-1] == 1 else "rgb"
                    )
                images.append(read_image(file, color_mode, size))
                names.append(class_folder.name)
        splits[split] = (np.stack(images), names) if images else None
    if splits["train"] is None and not (held_out and splits["test"]):
        raise DataError(
            f"{path} has no images in train/<class>/; expected {FOLDER_LAYOUT}"
        )
    return splits


def read_npz(path):
    """`{"train": (x, y), "test": (x, y) or None}, labels or None`."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except Exception as error:  # zip, zlib, pickle and format errors vary
        raise DataError(
            f"{path} is not a readable .npz file ({error}); expected "
            f"numpy arrays {NPZ_KEYS}"
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
    """`({"train": (x, y), "test": (x, y) or None}, class names or None)`;
    `y` holds integers indexing the names, or the class names."""
    if str(path) in KERAS_DATASETS:
        return read_keras_dataset(str(path))
    path = Path(path)
    if not path.exists():
        raise DataError(
            f"{path} does not exist; expected "
            f"{', '.join(KERAS_DATASETS)}, a folder ({FOLDER_LAYOUT}) or an "
            f".npz file with {NPZ_KEYS}"
        )
    try:
        if path.is_dir():
            return read_folder(path, image_size, channels, held_out), None
        if path.suffix.lower() == ".npz":
            return read_npz(path)
    except PermissionError as error:
        raise DataError(f"{path} cannot be read ({error.strerror})") from error
    raise DataError(
        f"{path} has an unknown format; expected "
        f"{', '.join(KERAS_DATASETS)}, a folder ({FOLDER_LAYOUT}) or an "
        ".npz file"
    )


# Loading ---------------------------------------------------------------------


def _class_names(y, names):
    """Labels as strings: `names[y]` for integer labels with names."""
    if names is not None and y.dtype.kind in "iu":
        if len(y) and (y.min() < 0 or y.max() >= len(names)):
            raise DataError(
                f"labels run from {y.min()} to {y.max()} but {len(names)} "
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
        class names, or the sorted distinct training labels.
    """
    source, names = read_source(path, image_size)
    x_train, y_train = source["train"]
    train = (x_train, _class_names(y_train, names))
    test = None
    if test_data is not None:
        held, held_names = read_source(
            test_data,
            image_size or x_train.shape[1:3],
            channels=x_train.shape[-1],
        )
        x_test, y_test = held["test"] or held["train"]
        test = (x_test, _class_names(y_test, held_names or names))
    elif source["test"] is not None:
        x_test, y_test = source["test"]
        test = (x_test, _class_names(y_test, names))
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
    return ImageData(**vars(loaded))


def load_test(path, image_shape, max_examples=None, seed=1337):
    """`(images, label names)` held out in `path`, for a model taking
    `image_shape`: its test split if it has one, else all of it."""
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
    return x[order], [str(label) for label in _class_names(y, names)[order]]
