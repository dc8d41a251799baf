"""The image classifier, on a few dozen real Fashion-MNIST images.

Images come from `../shared/data/fashion-mnist` (Xiao et al. 2017), the
files Keras downloads; the tests skip where it is absent. One CLI training
run (a subprocess reading them through the Keras cache) is shared by the
CLI tests.
"""

import gzip
import json
from pathlib import Path

import keras
import numpy as np
import pytest
from PIL import Image

from applications._runner import main
from applications.image_classifier import ATTENTIONS
from applications.image_classifier import ImageClassifier
from applications.image_classifier import ImageClassifierBackbone
from applications.image_classifier import ImageClassifierPreprocessor
from applications.image_classifier import data
from applications.image_classifier import recipe
from applications.image_classifier.cli import APPLICATION
from attention_zoo.visualize import plot_image_attention
from tests.application_harness import check_exact_resume
from tests.application_harness import check_round_trip
from tests.application_harness import run_application_test
from tests.application_harness import train_cli

ROOT = Path(__file__).resolve().parents[2]
FASHION = ROOT.parent / "shared" / "data" / "fashion-mnist"
LABELS = data.KERAS_DATASETS["fashion_mnist"]

pytestmark = pytest.mark.skipif(
    not (FASHION / "t10k-images-idx3-ubyte.gz").is_file(),
    reason=f"Fashion-MNIST not found in {FASHION}",
)


def fashion(count=32, split="t10k"):
    """The first `count` images `(n, 28, 28)` uint8 and labels `(n,)`."""
    with gzip.open(FASHION / f"{split}-images-idx3-ubyte.gz") as file:
        images = np.frombuffer(file.read(), np.uint8, offset=16)
    with gzip.open(FASHION / f"{split}-labels-idx1-ubyte.gz") as file:
        labels = np.frombuffer(file.read(), np.uint8, offset=8)
    return images.reshape(-1, 28, 28)[:count], labels[:count].astype("int32")


def keras_home(root):
    """A `KERAS_HOME` whose cache holds Fashion-MNIST, as after a
    download."""
    cache = root / "datasets" / "fashion-mnist"
    cache.mkdir(parents=True, exist_ok=True)
    for path in FASHION.glob("*-ubyte.gz"):
        (cache / path.name).symlink_to(path)
    return root


def write_folder(root, images, names, split="train"):
    for i, (image, name) in enumerate(zip(images, names)):
        path = root / split / name / f"{i}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(path)


def tiny(splits, attention, **kwargs):
    """A small model of `attention` for `splits`, compiled op by op."""
    model = recipe.build(
        splits, attention, widths=(8, 16), depth=1, patch_size=7, **kwargs
    )
    # No metrics and no XLA: a tiny run is quicker op by op than compiled.
    model.compile(metrics=[], jit_compile=False)
    return model


# Model -----------------------------------------------------------------------


@pytest.mark.parametrize("attention", ATTENTIONS)
def test_variant_fits_saves_and_explains(attention, tmp_path):
    x, y = fashion(32)
    splits = data.ImageData(x[..., None], y, x[..., None], y, list(LABELS))
    keras.utils.set_random_seed(1)
    model = tiny(splits, attention)
    history = model.fit(splits.x_train, y, batch_size=16, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])

    batch = splits.x_test[:16]
    probabilities = model.predict(batch, batch_size=16, verbose=0)
    assert probabilities.shape == (16, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)

    if attention == "none":
        assert not model.has_attention_map
        assert model.attention_scale is None
        with pytest.raises(ValueError, match="no attention map"):
            model.explain(batch)
    else:
        explained, maps = model.explain(batch, batch_size=16)
        np.testing.assert_allclose(explained, probabilities, atol=1e-6)
        grid = (4, 4) if attention == "multi_head" else (7, 7)
        assert maps.shape == (16, *grid)
        assert np.all(np.isfinite(maps)) and np.all(maps >= 0.0)
        if attention == "multi_head":  # pooling weights over the patches
            np.testing.assert_allclose(maps.sum(axis=(1, 2)), 1.0, atol=1e-5)
        if attention in ("spatial", "cbam"):  # sigmoid maps
            assert np.all(maps <= 1.0) and maps.std() > 0.0
        # The scale fits the maps: a fixed range, never the data's own.
        figure = plot_image_attention(
            batch[0], maps[0], scale=model.attention_scale
        )
        overlay = figure.axes[1].images[1]
        limits = {"unit": (0.0, 1.0), "uniform": (0.125, 8.0)}
        expected = limits[model.attention_scale]
        assert (overlay.norm.vmin, overlay.norm.vmax) == expected

    check_round_trip(model, batch, tmp_path, batch_size=16)


def test_augmentation_acts_in_training_only():
    x, y = fashion(16)
    splits = data.ImageData(x[..., None], y, x[..., None], y, list(LABELS))
    model = tiny(
        splits, "spatial", augmentation=("flip", "translate"), dropout=0.0
    )
    plain = tiny(splits, "spatial", augmentation=(), dropout=0.0)
    for layer in model.backbone.layers:
        if layer.weights and not layer.name.startswith("random"):
            plain.backbone.get_layer(layer.name).set_weights(
                layer.get_weights()
            )
    head = model.get_layer("probabilities").get_weights()
    plain.get_layer("probabilities").set_weights(head)
    images = splits.x_train.astype("float32")
    inference = keras.ops.convert_to_numpy(model(images, training=False))
    np.testing.assert_allclose(
        inference,
        keras.ops.convert_to_numpy(plain(images, training=False)),
        atol=1e-6,
    )
    # The augmented forward pass in training mode sees other images (BN
    # uses batch statistics in both, so only the augmentation differs).
    trained = keras.ops.convert_to_numpy(model(images, training=True))
    again = keras.ops.convert_to_numpy(plain(images, training=True))
    assert np.abs(trained - again).max() > 1e-3


def test_normalization_uses_the_training_statistics():
    x, y = fashion(64)
    splits = data.ImageData(x[..., None], y, x[..., None], y, list(LABELS))
    mean, variance = splits.statistics()
    assert mean == pytest.approx([x.mean()])
    assert variance == pytest.approx([x.var()])
    model = recipe.build(splits, attention="none", widths=(8,))
    normalized = model.backbone.get_layer("normalize")(
        x[..., None].astype("float32")
    )
    normalized = keras.ops.convert_to_numpy(normalized)
    assert abs(normalized.mean()) < 1e-3
    assert normalized.std() == pytest.approx(1.0, abs=1e-3)


def test_constructor_errors_name_the_argument():
    args = ((28, 28, 1), [0.0], [1.0])
    with pytest.raises(ValueError, match="attention"):
        ImageClassifierBackbone(*args, attention="bogus")
    with pytest.raises(ValueError, match="augmentation"):
        ImageClassifierBackbone(*args, augmentation=("rotate",))
    with pytest.raises(ValueError, match="patch_size"):
        ImageClassifierBackbone(*args, attention="multi_head", patch_size=5)
    backbone = ImageClassifierBackbone(*args, widths=(8,))
    with pytest.raises(ValueError, match="labels"):
        ImageClassifier(backbone, None, ["a"])
    with pytest.raises(ValueError, match="image_shape"):
        ImageClassifier(
            backbone, ImageClassifierPreprocessor((14, 14, 1)), ["a", "b"]
        )


# Data ------------------------------------------------------------------------


def test_folders_and_npz_give_the_same_images(tmp_path):
    x, y = fashion(40)
    seen = np.isin(y, y[:16])
    seen[:16] = False
    x_test, y_test = x[seen][:8], y[seen][:8]  # only classes of training
    names = [LABELS[label] for label in y[:16]]
    write_folder(tmp_path / "folder", x[:16], names)
    # Leftovers of unzipping on a Mac are skipped, not read as images.
    (tmp_path / "folder" / "train" / names[0] / "._0.png").write_text("x")
    (tmp_path / "folder" / "train" / "__MACOSX").mkdir()
    write_folder(
        tmp_path / "folder",
        x_test,
        [LABELS[label] for label in y_test],
        split="test",
    )
    np.savez(
        tmp_path / "images.npz",
        x_train=x[:16],
        y_train=y[:16],
        x_test=x_test,
        y_test=y_test,
        labels=np.array(LABELS),
    )
    from_folder = data.load(tmp_path / "folder", seed=3)
    from_npz = data.load(tmp_path / "images.npz", seed=3)
    assert from_npz.labels == list(LABELS)
    assert from_folder.labels == sorted(set(names))
    for loaded in (from_folder, from_npz):
        assert loaded.x_train.shape == (16, 28, 28, 1)
        assert loaded.x_train.dtype == np.uint8
        pairs = sorted(
            (loaded.labels[label], image.tobytes())
            for image, label in zip(loaded.x_train[..., 0], loaded.y_train)
        )
        assert pairs == sorted(
            (name, image.tobytes()) for image, name in zip(x[:16], names)
        )
        assert len(loaded.y_test) == 8


def test_rgb_folders_are_resized_and_split(tmp_path):
    x, y = fashion(20)
    rgb = np.repeat(x[..., None], 3, axis=-1)
    rgb[..., 0] = 255 - rgb[..., 0]  # really colour
    write_folder(tmp_path, rgb, [f"class{label % 2}" for label in y])
    loaded = data.load(tmp_path, image_size=(14, 21), test_fraction=0.25)
    assert loaded.x_train.shape == (15, 14, 21, 3)
    assert loaded.x_test.shape == (5, 14, 21, 3)
    assert loaded.labels == ["class0", "class1"]


def test_npz_with_string_labels_and_no_test_split(tmp_path):
    x, y = fashion(30)
    np.savez(
        tmp_path / "strings.npz",
        x_train=x.astype("float32") / 255,
        y_train=np.array([LABELS[label] for label in y]),
    )
    loaded = data.load(tmp_path / "strings.npz", test_fraction=0.2)
    assert loaded.labels == sorted({LABELS[label] for label in y})
    assert (len(loaded.y_train), len(loaded.y_test)) == (24, 6)
    # Floats in [0, 1] are read as 0-255, the range image files give.
    assert loaded.x_train.dtype == np.float32
    assert 200 < loaded.x_train.max() <= 255.0


def test_npz_label_forms(tmp_path):
    x, y = fashion(40)
    np.savez(
        tmp_path / "floats.npz",
        x_train=x,
        y_train=y.astype("float32"),
        labels=np.array(LABELS),
    )
    loaded = data.load(tmp_path / "floats.npz", seed=0)
    assert loaded.labels == list(LABELS)
    np.savez(tmp_path / "numbers.npz", x_train=x, y_train=np.arange(40) % 12)
    loaded = data.load(tmp_path / "numbers.npz", seed=0)
    assert loaded.labels == [str(i) for i in range(12)]  # 2 before 10


def test_patch_size_divides_and_bounds_the_patches():
    assert recipe.patch_size(28, 28) == 4
    assert recipe.patch_size(32, 32) == 4
    assert recipe.patch_size(30, 30) == 5
    assert recipe.patch_size(224, 224) == 28
    assert recipe.default_augmentation("mnist") == "translate"
    assert recipe.default_augmentation("fashion_mnist") == "flip"


def test_evaluation_reads_only_the_test_split_of_a_folder(tmp_path):
    x, y = fashion(16)
    names = [LABELS[label] for label in y]
    write_folder(tmp_path, x[:8], names[:8], split="test")
    (tmp_path / "train" / "Bag").mkdir(parents=True)
    (tmp_path / "train" / "Bag" / "broken.png").write_bytes(b"not a png")
    images, labels = data.load_test(tmp_path, (28, 28, 1))
    assert images.shape == (8, 28, 28, 1) and sorted(labels) == sorted(
        names[:8]
    )


def test_odd_images_train_and_draw(tmp_path, capsys):
    # 8x8 images with 2 channels: a 1x1 last feature grid, and pixels the
    # overlay shows as their mean.
    rng = np.random.default_rng(0)
    np.savez(
        tmp_path / "odd.npz",
        x_train=rng.integers(0, 255, (24, 8, 8, 2), dtype="uint8"),
        y_train=np.arange(24) % 2,
    )
    output = tmp_path / "run"
    argv = [
        "train",
        "--data",
        str(tmp_path / "odd.npz"),
        "--output",
        str(output),
        "--epochs",
        "1",
        "--quiet",
    ]
    assert main(APPLICATION, argv) == 0, capsys.readouterr().err
    assert "warning" not in capsys.readouterr().err
    assert (output / "model.keras").is_file()
    assert len(list((output / "attention").glob("*.png"))) == 5


# CLI -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return keras_home(tmp_path_factory.mktemp("keras_home"))


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory, home):
    return train_cli(
        APPLICATION,
        tmp_path_factory.mktemp("cli") / "run",
        "--data",
        "fashion_mnist",
        "--attention",
        "spatial",
        "--epochs",
        "1",
        "--max-examples",
        "48",
        "--batch-size",
        "16",
        env={"KERAS_HOME": str(home)},
    )


def test_train_writes_the_run_files_and_overlays(trained_run):
    metrics = json.loads((trained_run / "metrics.json").read_text())
    assert metrics["attention"] == "spatial"
    assert metrics["epochs"] == 1
    assert metrics["examples"] == {"train": 43, "validation": 5, "test": 48}
    assert metrics["labels"] == list(LABELS)
    assert metrics["image_shape"] == [28, 28, 1]
    assert metrics["converted_images"] == 0
    assert metrics["augmentation"] == "flip"
    for key in ("accuracy", "precision", "recall", "f1"):
        assert 0.0 <= metrics["test"][key] <= 1.0
    pictures = sorted((trained_run / "attention").glob("*.png"))
    assert len(pictures) == APPLICATION.attention_pictures
    assert all(p.stat().st_size > 1000 for p in pictures)


def bad_inputs(tmp_path, trained_run):
    """`(argv, message)` pairs: each must end with exit status 2."""
    x, y = fashion(12)
    np.savez(tmp_path / "keys.npz", images=x, labels=y)
    np.savez(tmp_path / "shapes.npz", x_train=x, y_train=y[:5])
    np.savez(tmp_path / "small.npz", x_train=x[:, :14, :14], y_train=y)
    (tmp_path / "broken.npz").write_bytes(b"not a zip file")
    (tmp_path / "truncated.npz").write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    np.savez(
        tmp_path / "first.npz",
        x_train=np.zeros((4, 3, 8, 8)),
        y_train=np.arange(4),
    )
    np.savez(
        tmp_path / "stray.npz",
        x_train=x,
        y_train=np.array(["cat"] * 12),
        labels=np.array(LABELS),
    )
    (tmp_path / "notes.txt").write_text("not images")
    (tmp_path / "empty" / "train").mkdir(parents=True)
    names = [LABELS[label] for label in y]
    write_folder(tmp_path / "unseen", x[:8], ["Bag"] * 4 + ["Coat"] * 4)
    write_folder(tmp_path / "unseen", x[8:], ["Dress"] * 4, split="test")
    write_folder(tmp_path / "damaged", x, names)
    (tmp_path / "damaged" / "train" / names[0] / "bad.png").write_text("x")
    write_folder(tmp_path / "truncated", x, names)
    whole = (tmp_path / "truncated" / "train" / names[0] / "0.png").read_bytes()
    (tmp_path / "truncated" / "train" / names[0] / "0.png").write_bytes(
        whole[:60]
    )
    nan = x.astype("float32")
    nan[3, 5, 5] = np.nan
    np.savez(tmp_path / "nan.npz", x_train=nan, y_train=y)
    train = ["train", "--output", str(tmp_path / "new"), "--data"]
    model = str(trained_run / "model.keras")
    return [
        (train + [str(tmp_path / "missing")], "does not exist"),
        (train + [str(tmp_path / "notes.txt")], "unknown format"),
        (train + [str(tmp_path / "broken.npz")], "not a readable .npz"),
        (train + [str(tmp_path / "truncated.npz")], "not a readable .npz"),
        (train + [str(tmp_path / "first.npz")], "channels-first"),
        (train + [str(tmp_path / "stray.npz")], "not among its class names"),
        (train + ["fashion_mnist", "--seed", "-1"], "from 0 to 2**32 - 1"),
        (train + [str(tmp_path / "keys.npz")], "has no x_train"),
        (train + [str(tmp_path / "shapes.npz")], "do not match"),
        (train + [str(tmp_path / "empty")], "no images in train"),
        (train + [str(tmp_path / "unseen")], "'Dress'"),
        (train + [str(tmp_path / "damaged")], "not a readable image"),
        (train + [str(tmp_path / "truncated")], "not a readable image"),
        (train + [str(tmp_path / "nan.npz")], "non-finite pixels"),
        (train + ["fashion_mnist", "--attention", "se2"], "invalid choice"),
        (
            [
                "evaluate",
                "--model",
                model,
                "--data",
                str(tmp_path / "small.npz"),
            ],
            "expected (28, 28, 1)",
        ),
        (
            ["predict", "--model", model, str(tmp_path / "no.png")],
            "does not exist",
        ),
    ]


def test_the_application_harness(tmp_path, trained_run, home, capsys):
    x, y = fashion(24)
    splits = data.ImageData(
        x[:16, ..., None], y[:16], x[:16, ..., None], y[:16], list(LABELS)
    )
    paths = []
    for i in range(2):
        paths.append(str(tmp_path / f"image{i}.png"))
        Image.fromarray(x[i]).save(paths[-1])
    np.savez(tmp_path / "test.npz", x_train=x, y_train=y, labels=LABELS)
    printed = run_application_test(
        APPLICATION,
        lambda: tiny(splits, "cbam"),
        splits.x_train,
        splits.y_train,
        paths,
        tmp_path,
        capsys,
        run=trained_run,
        evaluate_argv=["--data", str(tmp_path / "test.npz")],
        predict_argv=["--explain", "--top-k", "3"],
        bad_inputs=bad_inputs(tmp_path, trained_run),
        env={"KERAS_HOME": str(home)},
    )
    model = keras.saving.load_model(trained_run / "model.keras")

    # evaluate scores every image of the .npz.
    predicted = np.argmax(model.predict(x[..., None], verbose=0), axis=1)
    accuracy = printed["evaluate"]["accuracy"]
    assert accuracy == pytest.approx(np.mean(predicted == y))

    # predict --explain on image files: ranked labels and the map.
    lines = printed["predict"]
    assert [line["input"] for line in lines] == paths
    probabilities, maps = model.explain(x[:2, :, :, None])
    for line, row, grid in zip(lines, probabilities, maps):
        assert line["label"] == model.labels[int(np.argmax(row))]
        assert line["probability"] == pytest.approx(row.max(), abs=1e-5)
        assert [top["label"] for top in line["top"]][0] == line["label"]
        assert len(line["top"]) == 3
        np.testing.assert_allclose(line["attention"], grid, atol=1e-4)


def test_resume_after_ctrl_c_and_a_kill_ends_like_the_whole_run(tmp_path, home):
    check_exact_resume(
        APPLICATION,
        [
            "--data",
            "fashion_mnist",
            "--attention",
            "cbam",
            "--max-examples",
            "96",
            "--epochs",
            "6",
            "--patience",
            "2",
            "--batch-size",
            "16",
        ],
        tmp_path,
        env={"KERAS_HOME": str(home)},
    )
