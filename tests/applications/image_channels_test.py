"""The image folders' channel policy: RGB when any training image is in
colour, greyscale only when all are, whatever the order of the files;
conversions counted and reported on one stderr line."""

import numpy as np
import pytest
from PIL import Image

from applications.image_classifier import ImageClassifierPreprocessor
from applications.image_classifier import data

SIZE = (6, 4)  # height, width


def colour(value):
    """An RGB image of one colour, `value` in every red pixel."""
    pixels = np.zeros((*SIZE, 3), "uint8")
    pixels[..., 0], pixels[..., 1], pixels[..., 2] = value, 40, 200
    return Image.fromarray(pixels, "RGB")


def grey(value):
    return Image.fromarray(np.full(SIZE, value, "uint8"), "L")


def write(root, images):
    """`images`: {relative path: PIL image}."""
    for name, image in images.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        image.save(path)
    return root


def colour_folder(root, grey_name):
    """5 colour images per class, and one grey image `grey_name` in a/."""
    images = {
        f"train/{label}/{i}.png": colour(10 * i + (label == "b"))
        for label in ("a", "b")
        for i in range(1, 6)
    }
    images[f"train/a/{grey_name}.png"] = grey(77)
    return write(root, images)


def test_one_grey_image_makes_no_difference_first_or_last(tmp_path, capsys):
    # "0" sorts before the colour files, "z" after them.
    loaded = {}
    for grey_name in ("0", "z"):
        root = colour_folder(tmp_path / grey_name, grey_name)
        loaded[grey_name] = data.load(root, seed=1)
        err = capsys.readouterr().err
        assert err.count("\n") == 1, err
        assert err.startswith(
            f"warning: {root}: converted 1 of 11 images to RGB (channel "
            "policy: RGB when any training image is in colour"
        )
    first, last = loaded["0"], loaded["z"]
    assert first.converted_images == last.converted_images == 1

    def images(loaded):  # the file order decides the shuffle: sort
        assert loaded.x_train.shape[1:] == loaded.x_test.shape[1:]
        pixels = np.concatenate([loaded.x_train, loaded.x_test])
        return sorted(image.tobytes() for image in pixels)

    assert first.x_train.shape[1:] == (*SIZE, 3)
    assert images(first) == images(last)
    everything = np.concatenate([first.x_train, first.x_test])
    (grey_image,) = [image for image in everything if image[0, 0, 1] != 40]
    np.testing.assert_array_equal(grey_image, 77)  # repeated over RGB


def test_all_grey_stays_grey_and_test_images_follow_training(tmp_path, capsys):
    images = {
        f"train/{label}/{i}.png": grey(10 * i + (label == "b"))
        for label in ("a", "b")
        for i in range(3)
    }
    images["test/a/0.png"] = grey(5)
    images["test/b/1.png"] = colour(100)  # read as luma, counted
    loaded = data.load(write(tmp_path, images))
    assert loaded.x_train.shape[1:] == (*SIZE, 1)
    assert loaded.converted_images == 1
    luma = round(100 * 299 / 1000 + 40 * 587 / 1000 + 200 * 114 / 1000)
    assert sorted(loaded.x_test[:, 0, 0, 0].tolist()) == [5, luma]
    assert "converted 1 of 8 images to greyscale" in capsys.readouterr().err

    del images["test/b/1.png"]
    loaded = data.load(write(tmp_path / "plain", images))
    assert loaded.converted_images == 0
    assert capsys.readouterr().err == ""


def test_transparency_is_composited_on_white(tmp_path, capsys):
    clear = np.zeros((*SIZE, 4), "uint8")  # black, fully transparent
    clear[0, 0] = (200, 0, 0, 255)  # one opaque red pixel
    opaque = np.dstack([np.asarray(colour(30)), np.full(SIZE, 255, "uint8")])
    grey_palette = grey(90).convert("P")  # a palette of greys: grey
    images = {
        "train/a/clear.png": Image.fromarray(clear, "RGBA"),
        "train/a/opaque.png": Image.fromarray(opaque, "RGBA"),
        "train/b/palette.png": grey_palette,
        "train/b/grey.png": grey(20),
    }
    root = write(tmp_path, images)
    splits = data.read_folder(root)
    x, names = splits["train"]
    assert x.shape == (4, *SIZE, 3)
    by_file = dict(zip(["clear", "opaque", "grey", "palette"], x))
    assert names == ["a", "a", "b", "b"]
    np.testing.assert_array_equal(by_file["clear"][0, 0], (200, 0, 0))
    np.testing.assert_array_equal(by_file["clear"][1:], 255)  # white
    np.testing.assert_array_equal(by_file["opaque"], np.asarray(colour(30)))
    np.testing.assert_array_equal(by_file["palette"], 90)
    # The transparent image and the two grey ones changed; an opaque
    # alpha channel dropped changes nothing.
    assert splits["converted"] == 3
    assert "converted 3 of 4 images to RGB" in capsys.readouterr().err

    grey_only = {
        "train/a/palette.png": grey_palette,
        "train/b/grey.png": grey(20),
    }
    splits = data.read_folder(write(tmp_path / "greys", grey_only))
    assert splits["train"][0].shape == (2, *SIZE, 1)
    assert splits["converted"] == 0


def test_a_trained_model_reads_files_in_its_channels(tmp_path, capsys):
    root = write(
        tmp_path,
        {"test/a/0.png": colour(100), "test/b/1.png": grey(7)},
    )
    images, labels = data.load_test(root, (*SIZE, 1))
    assert images.shape == (2, *SIZE, 1) and labels.count("a") == 1
    err = capsys.readouterr().err
    assert (
        "converted 1 of 2 images to greyscale (the channels of the model)"
        in err
    )
    images, _ = data.load_test(root, (*SIZE, 3))
    assert images.shape == (2, *SIZE, 3)
    assert "converted 1 of 2 images to RGB" in capsys.readouterr().err

    preprocessor = ImageClassifierPreprocessor((*SIZE, 1))
    pixels = preprocessor([root / "test" / "a" / "0.png"])
    luma = round(100 * 299 / 1000 + 40 * 587 / 1000 + 200 * 114 / 1000)
    np.testing.assert_array_equal(pixels, np.full((1, *SIZE, 1), luma))
    pixels = ImageClassifierPreprocessor((*SIZE, 3))(root / "test/b/1.png")
    np.testing.assert_array_equal(pixels, np.full((1, *SIZE, 3), 7))


@pytest.mark.parametrize("content", [b"not an image", None])
def test_unreadable_files_name_the_file(tmp_path, content):
    root = colour_folder(tmp_path, "0")
    bad = root / "train" / "b" / "bad.png"
    if content is None:  # truncated after the header
        full = root / "train" / "b" / "1.png"
        content = full.read_bytes()[:45]  # inside IDAT
    bad.write_bytes(content)
    with pytest.raises(data.DataError, match="bad.png is not a readable image"):
        data.load(root)
