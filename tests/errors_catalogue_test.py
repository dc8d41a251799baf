"""`docs/errors.md`, kept true: every row of its tables is triggered here.

Each row's id has one trigger below that produces the error cheaply and
returns its message (or the messages of the same row in each
application); the message must match the row's, `<...>` matching any
text. Command-line rows run `applications._runner.main` in-process on
small files in a temporary folder (relative names, so messages stay
short) and check the rules every command-line error keeps: exit status
2, one line `error: ...` on stderr, no traceback, at most 200
characters, and, for data errors, the name of the file at fault. Layer
rows call the layer and read its `ValueError`. A row without a trigger,
or a trigger without a row, fails.

A row whose message breaks one of the rules in a file this catalogue
does not own is listed in `KNOWN_DEFECTS`: its test is expected to fail
with `RuleBroken` (and only so), and fails once the defect is fixed, so
that the entry is removed.
"""

import json
import os
import re
import zipfile
from pathlib import Path

import keras
import numpy as np
import pytest
from PIL import Image

import attention_zoo.layers as zoo
from applications._runner import Application
from applications._runner import TrainingData
from applications._runner import main
from applications.image_classifier import data as image_data
from applications.image_classifier import recipe as image_recipe
from applications.image_classifier.cli import APPLICATION as IMAGE
from applications.recommender import data as recommender_data
from applications.recommender import recipe as recommender_recipe
from applications.recommender.cli import APPLICATION as RECOMMENDER
from applications.summarizer import data as summarizer_data
from applications.summarizer import recipe as summarizer_recipe
from applications.summarizer.cli import APPLICATION as SUMMARIZER
from applications.text_classifier import TextClassifier
from applications.text_classifier import TextClassifierBackbone
from applications.text_classifier import TextClassifierPreprocessor
from applications.text_classifier.cli import APPLICATION as TEXT
from applications.translator import data as translator_data
from applications.translator import recipe as translator_recipe
from applications.translator.cli import APPLICATION as TRANSLATOR

DOC = Path(__file__).resolve().parents[1] / "docs" / "errors.md"
MAX_LENGTH = 200
_ANSI = re.compile(r"\x1b\[[0-9;]*m")

# Rows whose message breaks a rule in a file not owned here: id -> why.
KNOWN_DEFECTS = {}

SAMPLES = Path(__file__).resolve().parents[1] / "data"
SPA_ENG = SAMPLES / "spa_eng_sample" / "spa.txt"
DIALOGSUM = SAMPLES / "dialogsum_sample" / "dialogsum.train.jsonl"
MOVIELENS = SAMPLES / "movielens_sample"


class RuleBroken(AssertionError):
    """A command-line error that breaks a rule of the catalogue."""


# The catalogue --------------------------------------------------------------


def _cells(line):
    """The cells of a Markdown table row (`\\|` is a `|` inside a cell)."""
    cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
    return [cell.strip().replace("\\|", "|") for cell in cells]


def _code(cell):
    """The text of a cell that is one code span (`` ` `` or ``` `` ```)."""
    match = re.fullmatch(r"(`+) ?(.*?) ?\1", cell.strip())
    assert match, f"not a code span: {cell}"
    return match.group(2)


def pattern(message):
    """A regex of a catalogue message: `<...>` matches any text."""
    parts = re.split(r"<[^<>]*>", message)
    return re.compile(".*?".join(re.escape(part) for part in parts), re.S)


def catalogue():
    """`{id: message}` of the table rows of docs/errors.md."""
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if not line.startswith("| `"):
            continue
        cells = _cells(line)
        assert len(cells) == 4, f"a row needs 4 cells: {line}"
        row_id = _code(cells[0])
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", row_id), row_id
        assert row_id not in rows, f"{row_id} appears twice"
        assert cells[1] and cells[3], f"{row_id}: trigger and fix needed"
        rows[row_id] = _code(cells[2])
    return rows


ROWS = catalogue()
TRIGGERS = {}


def trigger(row_id):
    """Registers the decorated function as the trigger of `row_id`."""

    def register(function):
        assert row_id not in TRIGGERS, row_id
        TRIGGERS[row_id] = function
        return function

    return register


def test_every_row_has_a_trigger_and_every_trigger_a_row():
    assert sorted(set(ROWS) - set(TRIGGERS)) == [], "rows without trigger"
    assert sorted(set(TRIGGERS) - set(ROWS)) == [], "triggers without row"


def test_placeholders_match_the_variable_parts():
    regex = pattern("error: --output <DIR> is not empty; <FIX>")
    assert regex.fullmatch("error: --output runs/a is not empty; add x")
    assert not regex.fullmatch("error: --model a is not empty; add x")
    assert _cells(r"| `a` | b \| c | `` `d` `` | e |")[1] == "b | c"
    assert _code(r"`` `units` must be `` ") == "`units` must be"


# Models and files -----------------------------------------------------------


def saved_optimizer_built(model, path):
    """Saves a compiled, untrained model with its optimizer's variables
    made, so that loading it warns of no optimizer mismatch."""
    model.optimizer.build(model.trainable_variables)
    model.save(path)


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """Small untrained `.keras` files of each application (the errors
    come before any prediction, so nothing needs training)."""
    folder = tmp_path_factory.mktemp("models")
    preprocessor = TextClassifierPreprocessor(["good", "bad", "film"], 8)
    backbone = TextClassifierBackbone(
        preprocessor.vocabulary_size,
        sequence_length=8,
        embedding_dim=8,
        hidden_dim=8,
    )
    text = TextClassifier(backbone, preprocessor, ["neg", "pos"])
    text.save(folder / "text.keras")
    paths = {"text": folder / "text.keras"}
    for name, channels in (("image", 1), ("image2", 2)):
        x = np.random.default_rng(0).integers(
            0, 255, (8, 8, 8, channels), dtype="uint8"
        )
        y = np.arange(8) % 2
        splits = image_data.ImageData(x, y, x, y, ["a", "b"])
        model = image_recipe.build(splits, "spatial", widths=(4,), depth=1)
        saved_optimizer_built(model, folder / f"{name}.keras")
        paths[name] = folder / f"{name}.keras"
    sources, targets = translator_data.read_pairs(SPA_ENG)
    translator = translator_recipe.build(
        (sources[:24], targets[:24]),
        vocabulary_size=60,
        sequence_length=8,
        num_layers=1,
        hidden_dim=8,
        intermediate_dim=8,
        num_heads=1,
    )
    saved_optimizer_built(translator, folder / "translator.keras")
    paths["translator"] = folder / "translator.keras"
    dialogues = summarizer_data.read_splits(DIALOGSUM)["all"]
    summarizer = summarizer_recipe.build(
        (dialogues.sources[:24], dialogues.targets[:24]),
        vocabulary_size=80,
        source_length=16,
        target_length=8,
        num_layers=1,
        hidden_dim=8,
        intermediate_dim=8,
        num_heads=1,
    )
    saved_optimizer_built(summarizer, folder / "summarizer.keras")
    paths["summarizer"] = folder / "summarizer.keras"
    splits = recommender_data.load(MOVIELENS, min_count=2)
    recommender = recommender_recipe.build(
        splits, sequence_length=8, num_layers=1, hidden_dim=8, num_heads=1
    )
    saved_optimizer_built(recommender, folder / "recommender.keras")
    paths["recommender"] = folder / "recommender.keras"
    return paths


def write_csv(name, rows, header="text,label"):
    lines = [header, *(f"{text},{label}" for text, label in rows)]
    Path(name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return name


def reviews(count=30):
    return [
        ("a good film", "pos") if i % 2 else ("a bad film", "neg")
        for i in range(count)
    ]


def write_pairs(name, count=12, lines=()):
    """A `.txt` of `count` sentence pairs, then `lines` as they are."""
    pairs = [f"sentence {i}\tfrase {i}" for i in range(count)]
    text = "\n".join([*pairs, *lines]) + "\n"
    Path(name).write_text(text, encoding="utf-8")
    return name


def write_lines(name, count, empty=None):
    """A text file of `count` sentences, line `empty` (1-based) empty."""
    lines = ["" if i + 1 == empty else f"sentence {i}" for i in range(count)]
    Path(name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return name


def images(count=12, size=8, channels=None, seed=0):
    shape = (count, size, size) + (() if channels is None else (channels,))
    return np.random.default_rng(seed).integers(0, 255, shape, dtype="uint8")


def write_png(path, size=8):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(images(1, size)[0]).save(path)
    return str(path)


def image_folder(root, count=6):
    for i in range(count):
        write_png(f"{root}/train/{'ab'[i % 2]}/{i}.png")
    return root


def old_format_model(name, class_name, module):
    """A `.keras` file of `class_name` from before backbones."""
    config = {
        "module": module,
        "class_name": class_name,
        "registered_name": f"applications>{class_name}",
        "config": {"name": "model", "labels": ["a", "b"]},
    }
    with zipfile.ZipFile(name, "w") as archive:
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("metadata.json", json.dumps({"keras_version": "3"}))
    return name


# Running the command line ---------------------------------------------------


class Diverging(Application):
    """A model whose first step gives an infinite loss."""

    name = "diverging"

    def load_data(self, args):
        x = np.ones((16, 2), "float32")
        return TrainingData((x, x[:, :1]), None, (x, x[:, :1]), {})

    def build_model(self, args, data):
        model = keras.Sequential(
            [
                keras.Input((2,)),
                keras.layers.Lambda(lambda x: x * np.float32(np.inf)),
            ]
        )
        model.compile("sgd", "mse")
        return model


class Context:
    """What a trigger gets: `cli` runs a command line in a temporary
    folder (the current directory) and records broken rules."""

    def __init__(self, capsys, monkeypatch, models):
        self.capsys = capsys
        self.monkeypatch = monkeypatch
        self.models = models
        self.problems = []
        self.restore = []  # (path, mode) of the files made unreadable

    def model(self, name):
        return str(self.models[name])

    def cli(self, application, *argv, says=None):
        """The `error: ...` line of `main(application, argv)`; with
        `says`, the message must contain it (the file at fault, the
        fix)."""
        self.capsys.readouterr()
        status = main(application, [str(arg) for arg in argv])
        err = self.capsys.readouterr().err
        lines = err.strip().splitlines()
        assert lines, f"{argv}: nothing on stderr (exit status {status})"
        message = lines[-1]
        if status != 2:
            self.problems.append(f"exit status {status}, not 2")
        if len(lines) != 1 or "Traceback" in err:
            self.problems.append(f"{len(lines)} lines on stderr: {err!r}")
        if len(message) > MAX_LENGTH:
            self.problems.append(f"{len(message)} characters: {message}")
        if says is not None and str(says) not in message:
            self.problems.append(f"{says!r} is not said: {message}")
        return message

    def deny(self, path):
        """Makes `path` unreadable; as root, whom permissions do not stop,
        the calls that read it raise as they would for a user."""
        path = Path(path).resolve()
        self.restore.append((path, path.stat().st_mode))
        path.chmod(0)
        if not os.access(path, os.R_OK):
            return
        access = os.access

        def checked(name, mode, **kwargs):
            if Path(name).resolve() == path:
                return False
            return access(name, mode, **kwargs)

        self.monkeypatch.setattr(os, "access", checked)
        for method in ("read_bytes", "iterdir"):
            self.monkeypatch.setattr(
                Path, method, _denied(getattr(Path, method), path)
            )

    def clean_up(self):
        for path, mode in self.restore:
            path.chmod(mode)


def _denied(method, path):
    def call(self, *args, **kwargs):
        if self.resolve() == path:
            raise PermissionError(13, "Permission denied", str(self))
        return method(self, *args, **kwargs)

    return call


def layer_error(function, error=ValueError):
    """The message of the `error` that `function()` raises, without the
    frame Keras adds around errors raised in `call`."""
    with pytest.raises(error) as raised:
        function()
    message = _ANSI.sub("", str(raised.value))
    if message.startswith("Exception encountered when calling"):
        message = message.split("\n\n")[1]
    return message.strip()


def zeros(*shape):
    return np.zeros(shape, "float32")


# Command line and output folder ---------------------------------------------

TRAIN = ("train", "--output", "run", "--data")


@trigger("invalid-choice")
def invalid_choice(c):
    write_csv("d.csv", reviews())
    return [
        c.cli(TEXT, *TRAIN, "d.csv", "--attention", "bogus"),
        c.cli(IMAGE, *TRAIN, "d.npz", "--precision", "fp8"),
    ]


@trigger("missing-argument")
def missing_argument(c):
    return [
        c.cli(TEXT, "train", "--data", "d.csv"),
        c.cli(IMAGE, "evaluate", "--data", "d.npz"),
        c.cli(TEXT),
    ]


@trigger("unrecognized-argument")
def unrecognized_argument(c):
    return [
        c.cli(TEXT, *TRAIN, "d.csv", "--bogus"),
        c.cli(IMAGE, "evaluate", "--model", "m", "--data", "d", "--augment"),
    ]


@trigger("missing-value")
def missing_value(c):
    return [
        c.cli(TEXT, *TRAIN, "d.csv", "--epochs"),
        c.cli(IMAGE, *TRAIN, "d.npz", "--image-size", "32"),
    ]


@trigger("not-a-positive-integer")
def not_a_positive_integer(c):
    return [
        c.cli(TEXT, *TRAIN, "d.csv", "--epochs", "0"),
        c.cli(TEXT, *TRAIN, "d.csv", "--sequence-length", "1.5"),
        c.cli(IMAGE, *TRAIN, "d.npz", "--image-size", "32", "0"),
    ]


@trigger("not-a-fraction")
def not_a_fraction(c):
    predict = ("predict", "--model", "m.keras", "--top-p", "0", "a")
    return [
        c.cli(TEXT, *TRAIN, "d.csv", "--test-fraction", "1"),
        c.cli(TRANSLATOR, *predict),
    ]


@trigger("not-a-non-negative-number")
def not_a_non_negative_number(c):
    return [
        c.cli(TRANSLATOR, *TRAIN, "d.txt", "--length-penalty", "-1"),
        c.cli(TRANSLATOR, *TRAIN, "d.txt", "--length-penalty", "nan"),
    ]


PREDICT = ("predict", "--model", "m.keras")


@trigger("bad-no-repeat-ngram")
def bad_no_repeat_ngram(c):
    return [
        c.cli(TRANSLATOR, *TRAIN, "d.txt", "--no-repeat-ngram", "1"),
        c.cli(SUMMARIZER, *TRAIN, "d.jsonl", "--no-repeat-ngram", "-2"),
        c.cli(SUMMARIZER, *PREDICT, "x", "--no-repeat-ngram", "three"),
    ]


@trigger("bad-seed")
def bad_seed(c):
    return [
        c.cli(TEXT, *TRAIN, "d.csv", "--seed", "-1"),
        c.cli(IMAGE, *TRAIN, "d.npz", "--seed", str(2**32)),
    ]


@trigger("overwrite-and-resume")
def overwrite_and_resume(c):
    return [
        c.cli(TEXT, *TRAIN, "d.csv", "--overwrite", "--resume"),
        c.cli(TEXT, *TRAIN, "d.csv", "--resume", "--overwrite"),
    ]


@trigger("train-needs-data")
def train_needs_data(c):
    return [
        c.cli(TEXT, "train", "--output", "run"),
        c.cli(IMAGE, "train", "--output", "run"),
    ]


@trigger("output-is-a-file")
def output_is_a_file(c):
    write_csv("d.csv", reviews())
    Path("run").write_text("a file")
    return c.cli(TEXT, *TRAIN, "d.csv")


@trigger("output-under-a-file")
def output_under_a_file(c):
    write_csv("d.csv", reviews())
    Path("notes.txt").write_text("a file")
    argv = ("train", "--output", "notes.txt/run", "--data", "d.csv")
    return c.cli(TEXT, *argv, says="notes.txt")


@trigger("output-not-writable")
def output_not_writable(c):
    write_csv("d.csv", reviews())
    Path("locked").mkdir()
    c.deny("locked")
    return c.cli(TEXT, "train", "--output", "locked/run", "--data", "d.csv")


@trigger("output-not-empty")
def output_not_empty(c):
    write_csv("d.csv", reviews())
    Path("run").mkdir()
    Path("run/model.keras").write_text("an earlier run")
    return [c.cli(TEXT, *TRAIN, "d.csv"), c.cli(IMAGE, *TRAIN, "d.npz")]


@trigger("nothing-to-resume")
def nothing_to_resume(c):
    Path("run").mkdir()
    Path("run/model.keras").write_text("a finished run")
    return [
        c.cli(TEXT, "train", "--output", "run", "--resume"),
        c.cli(IMAGE, "train", "--output", "new", "--resume"),
    ]


@trigger("training-diverged")
def training_diverged(c):
    argv = ("train", "--data", "-", "--output", "run", "--quiet")
    return c.cli(Diverging(), *argv)


@trigger("unknown-backend")
def unknown_backend(c):
    c.monkeypatch.setenv("KERAS_BACKEND", "numpy")
    return c.cli(TEXT, "predict", "--model", "m.keras", "text")


def text_export(c, *argv):
    """`export` of the text model into `e`, checked against `d.csv`."""
    return c.cli(
        TEXT, "export", "--model", c.model("text"), "--data", "d.csv",
        "--output", "e", *argv,
    )  # fmt: skip


@trigger("export-output-not-empty")
def export_output_not_empty(c):
    Path("e").mkdir()
    Path("e", "mine.txt").write_text("kept")
    return text_export(c)


@trigger("export-calibration-without-int8")
def export_calibration_without_int8(c):
    return text_export(c, "--calibration-data", "d.csv")


@trigger("export-quantize-refused")
def export_quantize_refused(c):
    return c.cli(
        TRANSLATOR, "export", "--model", c.model("translator"), "--data",
        str(SPA_ENG), "--output", "e", "--format", "litert", "--quantize",
        "int8",
    )  # fmt: skip


@trigger("export-quantize-not-offered")
def export_quantize_not_offered(c):
    return text_export(c, "--quantize", "int8")


# Model files ----------------------------------------------------------------


@trigger("model-missing")
def model_missing(c):
    return [
        c.cli(TEXT, "predict", "--model", "none.keras", "a text"),
        c.cli(IMAGE, "evaluate", "--model", "none.keras", "--data", "d.npz"),
    ]


@trigger("model-unreadable")
def model_unreadable(c):
    Path("random.keras").write_bytes(bytes(range(256)) * 4)
    with zipfile.ZipFile("empty.keras", "w") as archive:
        archive.writestr("metadata.json", "{}")
    return [
        c.cli(TEXT, "predict", "--model", "random.keras", "a text"),
        c.cli(IMAGE, "predict", "--model", "empty.keras", "a.png"),
    ]


@trigger("model-of-another-application")
def model_of_another_application(c):
    return [
        c.cli(TEXT, "predict", "--model", c.model("image"), "a text"),
        c.cli(IMAGE, "predict", "--model", c.model("text"), "a.png"),
    ]


@trigger("model-not-loadable")
def model_not_loadable(c):
    return [
        c.cli(
            TEXT,
            "predict",
            "--model",
            old_format_model(
                "old.keras",
                "TextClassifier",
                "applications.text_classifier.model",
            ),
            "a text",
            says="train it again",
        ),
        c.cli(
            IMAGE,
            "predict",
            "--model",
            old_format_model(
                "old.keras",
                "ImageClassifier",
                "applications.image_classifier.model",
            ),
            "a.png",
            says="train it again",
        ),
    ]


# Data files: shared rules ---------------------------------------------------


@trigger("no-training-examples")
def no_training_examples(c):
    write_csv("empty.csv", [])
    np.savez("empty.npz", x_train=images(0), y_train=np.zeros(0, "int64"))
    return [
        c.cli(TEXT, *TRAIN, "empty.csv", says="empty.csv"),
        c.cli(IMAGE, *TRAIN, "empty.npz", says="empty.npz"),
    ]


@trigger("no-test-examples")
def no_test_examples(c):
    write_csv("two.csv", [("good", "pos"), ("bad", "neg")])
    np.savez("two.npz", x_train=images(2), y_train=np.arange(2))
    write_pairs("pairs.txt")
    held_out = ("--test-fraction", "0.01")
    return [
        c.cli(TEXT, *TRAIN, "two.csv", says="two.csv"),
        c.cli(IMAGE, *TRAIN, "two.npz", says="two.npz"),
        c.cli(TRANSLATOR, *TRAIN, "pairs.txt", *held_out, says="pairs.txt"),
    ]


@trigger("one-label")
def one_label(c):
    write_csv("one.csv", [("good", "pos")] * 10)
    np.savez("one.npz", x_train=images(10), y_train=np.zeros(10, "int64"))
    return [
        c.cli(TEXT, *TRAIN, "one.csv", says="one.csv"),
        c.cli(IMAGE, *TRAIN, "one.npz", says="one.npz"),
    ]


@trigger("unseen-test-label")
def unseen_test_label(c):
    write_csv("d.csv", reviews())
    write_csv("unseen.csv", [("so so", "neutral"), ("good", "pos")])
    np.savez(
        "d.npz",
        x_train=images(),
        y_train=np.arange(12) % 2,
        x_test=images(2),
        y_test=np.array([0, 7]),
    )
    return [
        c.cli(TEXT, *TRAIN, "d.csv", "--test-data", "unseen.csv"),
        c.cli(IMAGE, *TRAIN, "d.npz", says="d.npz"),
    ]


@trigger("label-not-a-class-name")
def label_not_a_class_name(c):
    np.savez(
        "stray.npz",
        x_train=images(),
        y_train=np.array(["cat"] * 12),
        labels=np.array(["a", "b"]),
    )
    return c.cli(IMAGE, *TRAIN, "stray.npz", says="stray.npz")


@trigger("label-not-a-model-class")
def label_not_a_model_class(c):
    write_csv("unseen.csv", [("so so", "neutral"), ("good", "pos")])
    np.savez("zz.npz", x_train=images(), y_train=np.array(["zz"] * 12))
    evaluate = ("evaluate", "--model")
    return [
        c.cli(TEXT, *evaluate, c.model("text"), "--data", "unseen.csv"),
        c.cli(IMAGE, *evaluate, c.model("image"), "--data", "zz.npz"),
    ]


# Data files: text classifier ------------------------------------------------


@trigger("text-data-missing")
def text_data_missing(c):
    return c.cli(TEXT, *TRAIN, "missing.csv", says="missing.csv")


@trigger("text-data-unknown-format")
def text_data_unknown_format(c):
    Path("reviews.xlsx").write_bytes(b"PK\x03\x04")
    return c.cli(TEXT, *TRAIN, "reviews.xlsx", says="reviews.xlsx")


@trigger("text-data-unreadable")
def text_data_unreadable(c):
    write_csv("d.csv", reviews())
    c.deny("d.csv")
    return c.cli(TEXT, *TRAIN, "d.csv", says="d.csv")


@trigger("text-not-utf8")
def text_not_utf8(c):
    Path("latin1.csv").write_bytes(b"text,label\ngood,pos\ncaf\xe9,neg\n")
    with zipfile.ZipFile("r.zip", "w") as archive:
        archive.writestr("train/pos/1.txt", "caf\xe9".encode("cp1252"))
    message = c.cli(TEXT, *TRAIN, "latin1.csv", says="latin1.csv line 3")
    return [message, c.cli(TEXT, *TRAIN, "r.zip", says="train/pos/1.txt")]


@trigger("text-csv-columns")
def text_csv_columns(c):
    write_csv("columns.csv", reviews(), header="review,sentiment")
    Path("headless.csv").write_text(
        "A first review that is no header,pos\nA second one,neg\n"
    )
    return [
        c.cli(TEXT, *TRAIN, "columns.csv", says="columns.csv"),
        c.cli(TEXT, *TRAIN, "headless.csv", says="headless.csv"),
    ]


@trigger("text-csv-incomplete-row")
def text_csv_incomplete_row(c):
    Path("rows.csv").write_text("text,label\ngood,pos\nbad\n")
    return c.cli(TEXT, *TRAIN, "rows.csv", says="rows.csv line 3")


@trigger("text-no-layout")
def text_no_layout(c):
    Path("texts/reviews").mkdir(parents=True)
    Path("texts/reviews/1.txt").write_text("a review without a label")
    return c.cli(TEXT, *TRAIN, "texts", says="texts")


@trigger("text-several-trees")
def text_several_trees(c):
    for root in ("a", "b"):
        for label in ("pos", "neg"):
            Path(f"two/{root}/train/{label}").mkdir(parents=True)
            Path(f"two/{root}/train/{label}/1.txt").write_text("a text")
    return c.cli(TEXT, *TRAIN, "two", says="two")


@trigger("text-archive-unreadable")
def text_archive_unreadable(c):
    Path("bad.tar.gz").write_bytes(b"not an archive at all")
    Path("bad.zip").write_bytes(b"not an archive either")
    return [
        c.cli(TEXT, *TRAIN, "bad.tar.gz", says="bad.tar.gz"),
        c.cli(TEXT, *TRAIN, "bad.zip", says="bad.zip"),
    ]


@trigger("imdb-unavailable")
def imdb_unavailable(c):
    def offline(*args, **kwargs):  # what Keras raises without a network
        raise Exception(
            "URL fetch failure on https://ai.stanford.edu/~amaas/data/"
            "sentiment/aclImdb_v1.tar.gz: None -- [Errno -3] Temporary "
            "failure in name resolution"
        )

    c.monkeypatch.setattr(keras.utils, "get_file", offline)
    return c.cli(TEXT, *TRAIN, "imdb")


@trigger("text-nothing-to-evaluate")
def text_nothing_to_evaluate(c):
    write_csv("empty.csv", [])
    evaluate = ("evaluate", "--model", c.model("text"), "--data")
    return c.cli(TEXT, *evaluate, "empty.csv", says="empty.csv")


# Data files: image classifier -----------------------------------------------


@trigger("image-data-missing")
def image_data_missing(c):
    return c.cli(IMAGE, *TRAIN, "missing", says="missing")


@trigger("image-data-unknown-format")
def image_data_unknown_format(c):
    Path("images.zip").write_bytes(b"PK\x03\x04")
    return c.cli(IMAGE, *TRAIN, "images.zip", says="images.zip")


@trigger("image-data-unreadable")
def image_data_unreadable(c):
    image_folder("pictures")
    c.deny("pictures/train")
    return c.cli(IMAGE, *TRAIN, "pictures", says="pictures")


@trigger("keras-dataset-unavailable")
def keras_dataset_unavailable(c):
    def offline():  # what Keras raises without a network
        raise Exception(
            "URL fetch failure on https://storage.googleapis.com/tensorflow/"
            "tf-keras-datasets/train-labels-idx1-ubyte.gz: None -- [Errno "
            "-3] Temporary failure in name resolution"
        )

    c.monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", offline)
    return c.cli(IMAGE, *TRAIN, "fashion_mnist", says="fashion_mnist")


@trigger("image-unreadable")
def image_unreadable(c):
    image_folder("damaged")
    Path("damaged/train/a/bad.png").write_text("not an image")
    image_folder("cut")
    whole = Path("cut/train/a/0.png").read_bytes()
    Path("cut/train/a/0.png").write_bytes(whole[:60])
    predict = ("predict", "--model", c.model("image"))
    return [
        c.cli(IMAGE, *TRAIN, "damaged", says="damaged/train/a/bad.png"),
        c.cli(IMAGE, *TRAIN, "cut", says="cut/train/a/0.png"),
        c.cli(IMAGE, *predict, "cut/train/a/0.png", says="cut/train/a/0.png"),
    ]


@trigger("image-folder-empty")
def image_folder_empty(c):
    Path("empty/train/a").mkdir(parents=True)
    return c.cli(IMAGE, *TRAIN, "empty", says="empty")


@trigger("npz-unreadable")
def npz_unreadable(c):
    Path("cut.npz").write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    np.savez("objects.npz", x_train=np.array([None] * 4), y_train=np.ones(4))
    Path("bytes.npz").write_bytes(b"not a zip file")
    return [
        c.cli(IMAGE, *TRAIN, "cut.npz", says="cut.npz"),
        c.cli(IMAGE, *TRAIN, "objects.npz", says="objects.npz"),
        c.cli(IMAGE, *TRAIN, "bytes.npz", says="bytes.npz"),
    ]


@trigger("npz-missing-arrays")
def npz_missing_arrays(c):
    np.savez("keys.npz", images=images(), labels=np.arange(12) % 2)
    return c.cli(IMAGE, *TRAIN, "keys.npz", says="keys.npz")


@trigger("npz-shapes-differ")
def npz_shapes_differ(c):
    np.savez("counts.npz", x_train=images(), y_train=np.arange(5))
    np.savez("flat.npz", x_train=np.zeros((12, 64)), y_train=np.arange(12))
    return [
        c.cli(IMAGE, *TRAIN, "counts.npz", says="counts.npz"),
        c.cli(IMAGE, *TRAIN, "flat.npz", says="flat.npz"),
    ]


@trigger("npz-channels-first")
def npz_channels_first(c):
    np.savez("first.npz", x_train=np.zeros((4, 3, 8, 8)), y_train=np.arange(4))
    return c.cli(IMAGE, *TRAIN, "first.npz", says="first.npz")


@trigger("npz-non-finite")
def npz_non_finite(c):
    x = images().astype("float32")
    x[3, 5, 5] = np.nan
    np.savez("nan.npz", x_train=x, y_train=np.arange(12) % 2)
    return c.cli(IMAGE, *TRAIN, "nan.npz", says="nan.npz")


@trigger("npz-non-numeric")
def npz_non_numeric(c):
    x = images().astype(str)
    np.savez("text.npz", x_train=x, y_train=np.arange(12) % 2)
    return c.cli(IMAGE, *TRAIN, "text.npz", says="text.npz")


@trigger("image-size-not-a-folder")
def image_size_not_a_folder(c):
    np.savez("a.npz", x_train=images(), y_train=np.arange(12) % 2)
    argv = ("--image-size", "4", "4")
    return c.cli(IMAGE, *TRAIN, "a.npz", *argv, says="a.npz")


@trigger("npz-repeated-class-names")
def npz_repeated_class_names(c):
    np.savez(
        "names.npz",
        x_train=images(),
        y_train=np.arange(12) % 2,
        labels=np.array(["a", "a"]),
    )
    return c.cli(IMAGE, *TRAIN, "names.npz", says="names.npz")


@trigger("npz-labels-out-of-range")
def npz_labels_out_of_range(c):
    np.savez(
        "range.npz",
        x_train=images(),
        y_train=np.arange(12) % 2 + 1,
        labels=np.array(["a", "b"]),
    )
    return c.cli(IMAGE, *TRAIN, "range.npz", says="range.npz")


@trigger("image-test-shape")
def image_test_shape(c):
    x = images()
    np.savez("d.npz", x_train=x, y_train=np.arange(12) % 2)
    np.savez("small.npz", x_train=x[:, :4, :4], y_train=np.arange(12) % 2)
    np.savez(
        "both.npz",
        x_train=x,
        y_train=np.arange(12) % 2,
        x_test=x[:, :4, :4],
        y_test=np.arange(12) % 2,
    )
    return [
        c.cli(IMAGE, *TRAIN, "d.npz", "--test-data", "small.npz"),
        c.cli(IMAGE, *TRAIN, "both.npz", says="both.npz"),
    ]


@trigger("image-evaluate-shape")
def image_evaluate_shape(c):
    np.savez("small.npz", x_train=images(size=4), y_train=np.arange(12) % 2)
    evaluate = ("evaluate", "--model", c.model("image"), "--data")
    return c.cli(IMAGE, *evaluate, "small.npz", says="small.npz")


# Data files: translator -----------------------------------------------------


@trigger("translator-data-missing")
def translator_data_missing(c):
    write_pairs("pairs.txt")
    return [
        c.cli(TRANSLATOR, *TRAIN, "missing.txt", says="missing.txt"),
        c.cli(
            TRANSLATOR,
            *TRAIN,
            "pairs.txt",
            "--test-data",
            "test.txt",
            says="test.txt",
        ),
    ]


@trigger("translator-data-folder")
def translator_data_folder(c):
    Path("spa_eng").mkdir()
    write_pairs("spa_eng/spa.txt")
    return c.cli(TRANSLATOR, *TRAIN, "spa_eng", says="spa_eng")


@trigger("translator-data-unknown-format")
def translator_data_unknown_format(c):
    Path("pairs.csv").write_text("sentence,frase\n")
    Path("pairs").write_text("sentence\tfrase\n")
    return [
        c.cli(
            TRANSLATOR,
            *TRAIN,
            "pairs.csv",
            says="pairs.csv has an unknown format (.csv)",
        ),
        c.cli(
            TRANSLATOR,
            *TRAIN,
            "pairs",
            says="pairs has an unknown format (no suffix)",
        ),
    ]


@trigger("translator-not-utf8")
def translator_not_utf8(c):
    Path("latin1.txt").write_bytes(b"good\tbueno\ncoffee\tcaf\xe9\n")
    with zipfile.ZipFile("pairs.zip", "w") as archive:
        archive.writestr("spa-eng/spa.txt", "Go.\tV\xe9te.".encode("cp1252"))
    return [
        c.cli(TRANSLATOR, *TRAIN, "latin1.txt", says="latin1.txt line 2"),
        c.cli(TRANSLATOR, *TRAIN, "pairs.zip", says="spa.txt line 1"),
    ]


@trigger("translator-no-tab")
def translator_no_tab(c):
    write_pairs("spaces.txt", 2, ["Hello.    Hola."])
    Path("broken.tsv").write_text("Good\tBuen\nmorning.\n")
    return [
        c.cli(TRANSLATOR, *TRAIN, "spaces.txt", says="spaces.txt line 3"),
        c.cli(TRANSLATOR, *TRAIN, "broken.tsv", says="broken.tsv line 2"),
    ]


@trigger("translator-empty-side")
def translator_empty_side(c):
    write_pairs("before.txt", 3, ["\tHola."])
    write_pairs("after.txt", 4, ["Hello.\t "])
    return [
        c.cli(TRANSLATOR, *TRAIN, "before.txt", says="before.txt line 4"),
        c.cli(TRANSLATOR, *TRAIN, "after.txt", says="after.txt line 5"),
    ]


@trigger("translator-tsv-short-line")
def translator_tsv_short_line(c):
    Path("pairs.tsv").write_text("source\ttarget\nHello.\tHola.\nBye.\n")
    return c.cli(TRANSLATOR, *TRAIN, "pairs.tsv", says="pairs.tsv line 3")


@trigger("translator-tsv-empty-cell")
def translator_tsv_empty_cell(c):
    Path("pairs.tsv").write_text("id\tsource\ttarget\n1\t\tHola.\n")
    return c.cli(TRANSLATOR, *TRAIN, "pairs.tsv", says="pairs.tsv line 2")


@trigger("translator-zip-contents")
def translator_zip_contents(c):
    with zipfile.ZipFile("none.zip", "w") as archive:
        archive.writestr("spa-eng/spa.tsv", "Go.\tVe.\n")
        archive.writestr("spa-eng/_about.txt", "notes")
    with zipfile.ZipFile("two.zip", "w") as archive:
        archive.writestr("a.txt", "Go.\tVe.\n")
        archive.writestr("b.txt", "Hi.\tHola.\n")
    return [
        c.cli(TRANSLATOR, *TRAIN, "none.zip", says="none.zip"),
        c.cli(TRANSLATOR, *TRAIN, "two.zip", says="two.zip"),
    ]


@trigger("translator-zip-unreadable")
def translator_zip_unreadable(c):
    Path("bytes.zip").write_bytes(b"not a zip archive at all")
    with zipfile.ZipFile("whole.zip", "w") as archive:
        archive.writestr("spa.txt", "Go.\tVe.\n" * 50)
    Path("cut.zip").write_bytes(Path("whole.zip").read_bytes()[:60])
    return [
        c.cli(TRANSLATOR, *TRAIN, "bytes.zip", says="bytes.zip"),
        c.cli(TRANSLATOR, *TRAIN, "cut.zip", says="cut.zip"),
    ]


@trigger("translator-no-pairs")
def translator_no_pairs(c):
    Path("empty.txt").write_text("\n \n\n")
    return c.cli(TRANSLATOR, *TRAIN, "empty.txt", says="empty.txt")


@trigger("translator-too-few-pairs")
def translator_too_few_pairs(c):
    write_pairs("few.txt", 3)
    return c.cli(TRANSLATOR, *TRAIN, "few.txt", says="few.txt")


@trigger("translator-test-target-alone")
def translator_test_target_alone(c):
    write_pairs("pairs.txt")
    write_lines("test.es", 2)
    return c.cli(
        TRANSLATOR,
        *TRAIN,
        "pairs.txt",
        "--test-target-data",
        "test.es",
        says="--test-target-data needs --test-data",
    )


@trigger("translator-test-fraction-too-large")
def translator_test_fraction_too_large(c):
    write_pairs("pairs.txt")
    return c.cli(
        TRANSLATOR,
        *TRAIN,
        "pairs.txt",
        "--test-fraction",
        "0.9",
        says="--test-fraction 0.9 leaves no pairs to train",
    )


@trigger("translator-aligned-lengths")
def translator_aligned_lengths(c):
    write_lines("train.en", 12)
    write_lines("train.es", 11)
    write_lines("test.en", 1)
    write_lines("test.es", 2)
    test = ("--test-data", "test.en", "--test-target-data", "test.es")
    return [
        c.cli(
            TRANSLATOR,
            *TRAIN,
            "train.en",
            "--target-data",
            "train.es",
            says="train.en has 12 lines but train.es has 11",
        ),
        c.cli(
            TRANSLATOR,
            *TRAIN,
            "train.en",
            "--target-data",
            "train.en",
            *test,
            says="test.en has 1 line but test.es has 2",
        ),
    ]


@trigger("translator-aligned-empty-line")
def translator_aligned_empty_line(c):
    write_lines("train.en", 12)
    write_lines("train.es", 12, empty=4)
    argv = ("train.en", "--target-data", "train.es")
    return c.cli(TRANSLATOR, *TRAIN, *argv, says="train.es line 4")


@trigger("translator-pairs-with-target-data")
def translator_pairs_with_target_data(c):
    Path("pairs.tsv").write_text("source\ttarget\nHello.\tHola.\n")
    write_lines("train.es", 1)
    target = ("--target-data", "train.es")
    return [
        c.cli(TRANSLATOR, *TRAIN, "pairs.tsv", *target, says="pairs.tsv"),
        c.cli(TRANSLATOR, *TRAIN, "spa-eng", *target, says="spa-eng"),
    ]


# Data files: summarizer -----------------------------------------------------


def write_records(name, count=12, lines=()):
    """A `.jsonl` of `count` dialogue records, then `lines` as they are."""
    records = [
        repr({"dialogue": f"#Person1#: Hello {i}.", "summary": f"Hi {i}."})
        for i in range(count)
    ]
    Path(name).write_text("\n".join([*records, *lines]) + "\n", "utf-8")
    return name


@trigger("summarizer-data-missing")
def summarizer_data_missing(c):
    write_records("d.jsonl")
    return [
        c.cli(SUMMARIZER, *TRAIN, "missing.jsonl", says="missing.jsonl"),
        c.cli(
            SUMMARIZER,
            *TRAIN,
            "d.jsonl",
            "--test-data",
            "t.jsonl",
            says="t.jsonl",
        ),
    ]


@trigger("summarizer-data-folder")
def summarizer_data_folder(c):
    Path("DialogSum_Data").mkdir()
    write_records("DialogSum_Data/dialogsum.train.jsonl")
    return c.cli(SUMMARIZER, *TRAIN, "DialogSum_Data", says="DialogSum_Data")


@trigger("summarizer-data-unknown-format")
def summarizer_data_unknown_format(c):
    Path("d.txt").write_text("#Person1#: Hello.\n")
    Path("d").write_text("#Person1#: Hello.\n")
    return [
        c.cli(SUMMARIZER, *TRAIN, "d.txt", says="d.txt has an unknown format"),
        c.cli(SUMMARIZER, *TRAIN, "d", says="no suffix"),
    ]


@trigger("summarizer-not-utf8")
def summarizer_not_utf8(c):
    write_records("latin1.jsonl", 2, [repr({"dialogue": "x", "summary": "y"})])
    raw = Path("latin1.jsonl").read_bytes().replace(b"'x'", b"'caf\xe9'")
    Path("latin1.jsonl").write_bytes(raw)
    return c.cli(SUMMARIZER, *TRAIN, "latin1.jsonl", says="latin1.jsonl line 3")


@trigger("summarizer-line-not-json")
def summarizer_line_not_json(c):
    write_records("cut.jsonl", 2, ["{'dialogue': 'Hi.', 'summ"])
    write_records("code.jsonl", 1, ["__import__('os').getcwd()"])
    return [
        c.cli(SUMMARIZER, *TRAIN, "cut.jsonl", says="cut.jsonl line 3"),
        c.cli(SUMMARIZER, *TRAIN, "code.jsonl", says="code.jsonl line 2"),
    ]


@trigger("summarizer-line-not-object")
def summarizer_line_not_object(c):
    write_records("list.jsonl", 2, ['["Hi.", "Hello."]'])
    return c.cli(SUMMARIZER, *TRAIN, "list.jsonl", says="a list, not an")


@trigger("summarizer-unknown-field")
def summarizer_unknown_field(c):
    write_records("d.jsonl", 3, [repr({"dialogue": "Hi."})])
    return [
        c.cli(
            SUMMARIZER,
            *TRAIN,
            "d.jsonl",
            "--source-field",
            "text",
            says="'text'",
        ),
        c.cli(SUMMARIZER, *TRAIN, "d.jsonl", says="d.jsonl line 4"),
    ]


@trigger("summarizer-no-known-field")
def summarizer_no_known_field(c):
    Path("d.csv").write_text("chat,gist\nHello.,Hi.\n")
    return [
        c.cli(SUMMARIZER, *TRAIN, "d.csv", says="document fields"),
        c.cli(
            SUMMARIZER,
            *TRAIN,
            "d.csv",
            "--source-field",
            "chat",
            says="summary fields",
        ),
    ]


@trigger("summarizer-empty-field")
def summarizer_empty_field(c):
    write_records("d.jsonl", 4, [repr({"dialogue": " ", "summary": "Hi."})])
    write_records("s.jsonl", 5, [repr({"dialogue": "Hi.", "summary": None})])
    return [
        c.cli(SUMMARIZER, *TRAIN, "d.jsonl", says="d.jsonl line 5"),
        c.cli(SUMMARIZER, *TRAIN, "s.jsonl", says="s.jsonl line 6"),
    ]


@trigger("summarizer-csv-invalid")
def summarizer_csv_invalid(c):
    Path("d.csv").write_text('dialogue,summary\nHello.,Hi.\n"Oops" no,Hi.\n')
    Path("d.tsv").write_text('dialogue\tsummary\nHello.\t"Hi.\n')
    return [
        c.cli(SUMMARIZER, *TRAIN, "d.csv", says="d.csv line 3"),
        c.cli(SUMMARIZER, *TRAIN, "d.tsv", says="not valid TSV"),
    ]


@trigger("summarizer-no-examples")
def summarizer_no_examples(c):
    Path("empty.jsonl").write_text("\n \n")
    Path("header.csv").write_text("dialogue,summary\n")
    return [
        c.cli(SUMMARIZER, *TRAIN, "empty.jsonl", says="empty.jsonl"),
        c.cli(SUMMARIZER, *TRAIN, "header.csv", says="header.csv"),
    ]


@trigger("summarizer-zip-contents")
def summarizer_zip_contents(c):
    with zipfile.ZipFile("two.zip", "w") as archive:
        archive.writestr("a.jsonl", "{}")
        archive.writestr("b.jsonl", "{}")
    return c.cli(SUMMARIZER, *TRAIN, "two.zip", says="two.zip holds 2 data")


@trigger("summarizer-zip-unreadable")
def summarizer_zip_unreadable(c):
    Path("bytes.zip").write_bytes(b"not a zip archive at all")
    return c.cli(SUMMARIZER, *TRAIN, "bytes.zip", says="bytes.zip")


@trigger("summarizer-too-few")
def summarizer_too_few(c):
    write_records("few.jsonl", 3)
    return c.cli(SUMMARIZER, *TRAIN, "few.jsonl", says="few.jsonl has 3")


@trigger("summarizer-test-data-without-test")
def summarizer_test_data_without_test(c):
    write_records("d.jsonl")
    with zipfile.ZipFile("t.zip", "w") as archive:
        archive.write("d.jsonl", "train.jsonl")
        archive.write("d.jsonl", "dev.jsonl")
    return c.cli(
        SUMMARIZER, *TRAIN, "d.jsonl", "--test-data", "t.zip", says="t.zip"
    )


@trigger("summarizer-plot-not-empty")
def summarizer_plot_not_empty(c):
    Path("plots").mkdir()
    Path("plots/mine.png").write_bytes(b"mine")
    predict = ("predict", "--model", c.model("summarizer"), "--plot")
    return [
        c.cli(SUMMARIZER, *predict, "plots", "#Person1#: Hi.", says="plots"),
        c.cli(SUMMARIZER, *predict, "plots/mine.png", "Hi.", says="mine.png"),
    ]


@trigger("dialogsum-unavailable")
def dialogsum_unavailable(c):
    def offline(*args, **kwargs):  # what Keras raises without a network
        raise Exception(
            "URL fetch failure on https://raw.githubusercontent.com/cylnlp/"
            "dialogsum/main/DialogSum_Data/dialogsum.train.jsonl: None -- "
            "[Errno -3] Temporary failure in name resolution"
        )

    c.monkeypatch.setattr(keras.utils, "get_file", offline)
    return c.cli(SUMMARIZER, *TRAIN, "dialogsum")


@trigger("spa-eng-unavailable")
def spa_eng_unavailable(c):
    def offline(*args, **kwargs):  # what Keras raises without a network
        raise Exception(
            "URL fetch failure on http://storage.googleapis.com/download."
            "tensorflow.org/data/spa-eng.zip: None -- [Errno -3] Temporary "
            "failure in name resolution"
        )

    c.monkeypatch.setattr(keras.utils, "get_file", offline)
    return c.cli(TRANSLATOR, *TRAIN, "spa-eng")


# Data files: recommender ----------------------------------------------------


def write_log(name, rows=None, header="userId,movieId,timestamp"):
    """A CSV interaction log: `rows` (default: 3 users, 150 items)."""
    if rows is None:
        rows = [
            f"{u},{i},{i}" for u in range(3) for i in range(50 * u, 50 * u + 50)
        ]
    Path(name).write_text("\n".join([header, *rows]) + "\n", "utf-8")
    return name


@trigger("recommender-data-missing")
def recommender_data_missing(c):
    return c.cli(RECOMMENDER, *TRAIN, "gone.csv", says="gone.csv")


@trigger("recommender-data-unknown-format")
def recommender_data_unknown_format(c):
    Path("ratings.dat").write_text("1::2::5::3\n")
    return c.cli(RECOMMENDER, *TRAIN, "ratings.dat", says="(.dat)")


@trigger("recommender-no-rating-file")
def recommender_no_rating_file(c):
    Path("ml").mkdir()
    Path("ml/movies.csv").write_text("movieId,title\n1,A\n")
    return c.cli(RECOMMENDER, *TRAIN, "ml", says="ml holds")


@trigger("recommender-zip-unreadable")
def recommender_zip_unreadable(c):
    Path("ml.zip").write_bytes(b"not a zip")
    return c.cli(RECOMMENDER, *TRAIN, "ml.zip", says="ml.zip")


@trigger("recommender-not-utf8")
def recommender_not_utf8(c):
    write_log("log.csv", ["1,caf\xe9,3"])
    raw = Path("log.csv").read_bytes().replace("\xe9".encode(), b"\xe9")
    Path("log.csv").write_bytes(raw)
    return c.cli(RECOMMENDER, *TRAIN, "log.csv", says="log.csv line 2")


@trigger("recommender-csv-invalid")
def recommender_csv_invalid(c):
    write_log("stray.csv", ['1,"a"b,3'])
    write_log("unclosed.csv", ['1,"a,3'])
    return [
        c.cli(RECOMMENDER, *TRAIN, "stray.csv", says="stray.csv"),
        c.cli(RECOMMENDER, *TRAIN, "unclosed.csv", says="unclosed.csv"),
    ]


@trigger("recommender-empty")
def recommender_empty(c):
    Path("log.csv").write_text("")
    Path("ml").mkdir()
    Path("ml/ratings.dat").write_text("\n")
    return [
        c.cli(RECOMMENDER, *TRAIN, "log.csv", says="log.csv"),
        c.cli(RECOMMENDER, *TRAIN, "ml", says="ratings.dat"),
    ]


@trigger("recommender-header-only")
def recommender_header_only(c):
    write_log("log.csv", [])
    return c.cli(RECOMMENDER, *TRAIN, "log.csv", says="log.csv")


@trigger("recommender-no-column")
def recommender_no_column(c):
    write_log("log.csv", ["1,2,3"], header="customer,sku,when")
    return c.cli(RECOMMENDER, *TRAIN, "log.csv", says="customer, sku, when")


@trigger("recommender-named-column-missing")
def recommender_named_column_missing(c):
    write_log("log.csv", ["1,2,3"])
    return c.cli(
        RECOMMENDER, *TRAIN, "log.csv", "--item-column", "sku", says="'sku'"
    )


@trigger("recommender-short-row")
def recommender_short_row(c):
    write_log("log.csv", ["1,2,3", "1,2"])
    Path("ml").mkdir()
    Path("ml/ratings.dat").write_text("1::2::5::3\n1::2\n")
    return [
        c.cli(RECOMMENDER, *TRAIN, "log.csv", says="log.csv line 3"),
        c.cli(RECOMMENDER, *TRAIN, "ml", says="ratings.dat line 2"),
    ]


@trigger("recommender-empty-id")
def recommender_empty_id(c):
    write_log("log.csv", ["1,2,3", ",2,4"])
    return c.cli(RECOMMENDER, *TRAIN, "log.csv", says="log.csv line 3")


@trigger("recommender-bad-timestamp")
def recommender_bad_timestamp(c):
    write_log("log.csv", ["1,2,3", "1,3,noon"])
    return c.cli(RECOMMENDER, *TRAIN, "log.csv", says="'noon'")


@trigger("recommender-rare-items")
def recommender_rare_items(c):
    write_log("log.csv")
    return c.cli(
        RECOMMENDER, *TRAIN, "log.csv", "--min-count", "9", says="log.csv"
    )


@trigger("recommender-short-histories")
def recommender_short_histories(c):
    write_log("log.csv", [f"{u},{u % 7},{u}" for u in range(300)])
    return c.cli(
        RECOMMENDER, *TRAIN, "log.csv", "--min-count", "1", says="log.csv"
    )


@trigger("recommender-small-catalogue")
def recommender_small_catalogue(c):
    write_log("log.csv", [f"{u},{i},{i}" for u in range(2) for i in range(40)])
    return c.cli(
        RECOMMENDER, *TRAIN, "log.csv", "--min-count", "1", says="40 of the 40"
    )


@trigger("recommender-test-data")
def recommender_test_data(c):
    write_log("log.csv")
    return c.cli(RECOMMENDER, *TRAIN, "log.csv", "--test-data", "log.csv")


@trigger("recommender-user-needs-data")
def recommender_user_needs_data(c):
    return c.cli(
        RECOMMENDER, "predict", "--model", c.model("recommender"), "--user", "1"
    )


@trigger("recommender-unknown-user")
def recommender_unknown_user(c):
    return c.cli(
        RECOMMENDER,
        "predict",
        "--model",
        c.model("recommender"),
        "--data",
        MOVIELENS,
        "--user",
        "nobody",
        says="'nobody'",
    )


@trigger("recommender-no-known-item")
def recommender_no_known_item(c):
    write_log("log.csv", [f"{u},x{i},{i}" for u in range(3) for i in range(5)])
    return c.cli(
        RECOMMENDER,
        "evaluate",
        "--model",
        c.model("recommender"),
        "--data",
        "log.csv",
        says="log.csv",
    )


@trigger("movielens-unavailable")
def movielens_unavailable(c):
    def offline(*args, **kwargs):  # what Keras raises without a network
        raise Exception(
            "URL fetch failure on https://files.grouplens.org/datasets/"
            "movielens/ml-latest-small.zip: None -- [Errno -3] Temporary "
            "failure in name resolution"
        )

    c.monkeypatch.setattr(keras.utils, "get_file", offline)
    return [
        c.cli(RECOMMENDER, *TRAIN, "movielens", says="ml-latest-small.zip"),
        c.cli(RECOMMENDER, *TRAIN, "ml-1m", says="ml-1m.zip"),
    ]


# Predict inputs -------------------------------------------------------------


@trigger("no-inputs")
def no_inputs(c):
    return [
        c.cli(TEXT, "predict", "--model", c.model("text")),
        c.cli(IMAGE, "predict", "--model", c.model("image")),
    ]


@trigger("input-file-unreadable")
def input_file_unreadable(c):
    Path("latin1.txt").write_bytes(b"caf\xe9\n")
    predict = ("predict", "--model", c.model("text"), "--input-file")
    return [
        c.cli(TEXT, *predict, "missing.txt", says="missing.txt"),
        c.cli(TEXT, *predict, ".", says="."),
    ]


@trigger("input-file-not-utf8")
def input_file_not_utf8(c):
    Path("latin1.txt").write_bytes(b"caf\xe9\n")
    predict = ("predict", "--model", c.model("text"), "--input-file")
    return c.cli(TEXT, *predict, "latin1.txt", says="latin1.txt")


@trigger("image-input-folder")
def image_input_folder(c):
    Path("pictures").mkdir()
    predict = ("predict", "--model", c.model("image"))
    return c.cli(IMAGE, *predict, "pictures", says="pictures")


@trigger("image-input-missing")
def image_input_missing(c):
    predict = ("predict", "--model", c.model("image"))
    return c.cli(IMAGE, *predict, "missing.png", says="missing.png")


@trigger("image-input-channels")
def image_input_channels(c):
    png = write_png("a.png")
    return c.cli(IMAGE, "predict", "--model", c.model("image2"), png)


# Layer arguments and inputs -------------------------------------------------


@trigger("positive-integer")
def positive_integer(c):
    return [
        layer_error(lambda: zoo.BahdanauAttention(units=0)),
        layer_error(lambda: zoo.MultiHeadAttention(num_heads=2, key_dim=2.5)),
        layer_error(lambda: zoo.MultiHeadAttention(2, 4, value_dim=0)),
        layer_error(lambda: zoo.SpatialAttention(kernel_size=True)),
    ]


@trigger("positive-integer-or-none")
def positive_integer_or_none(c):
    return [
        layer_error(lambda: zoo.LuongAttention(units=0)),
        layer_error(lambda: zoo.MultiHeadAttention(2, 4, sliding_window=-1)),
    ]


@trigger("rate")
def rate(c):
    return [
        layer_error(lambda: zoo.LuongAttention(dropout=1.0)),
        layer_error(lambda: zoo.MultiHeadAttention(2, 4, dropout=-0.1)),
    ]


@trigger("choice")
def choice(c):
    return [
        layer_error(lambda: zoo.LuongAttention(score_mode="cosine")),
        layer_error(lambda: zoo.ChannelAttention(pooling="max")),
        layer_error(lambda: zoo.CBAM(data_format="nhwc")),
    ]


@trigger("rank")
def rank(c):
    return [
        layer_error(
            lambda: zoo.LuongAttention()(zeros(2, 3, 4, 5), zeros(2, 3, 4))
        ),
        layer_error(lambda: zoo.SpatialAttention()(zeros(2, 3, 4))),
        layer_error(lambda: zoo.AttentionPooling()(zeros(2, 3))),
    ]


@trigger("batch-mismatch")
def batch_mismatch(c):
    query, value = zeros(2, 3, 8), zeros(3, 3, 8)
    return [
        layer_error(lambda: zoo.LuongAttention()(query, value)),
        layer_error(lambda: zoo.MultiHeadAttention(2, 4)(query, value)),
    ]


@trigger("key-value-length")
def key_value_length(c):
    query, value, key = zeros(2, 3, 8), zeros(2, 5, 8), zeros(2, 4, 8)
    built = zoo.LuongAttention()
    built(query, value)
    return [
        layer_error(lambda: zoo.LuongAttention()(query, value, key)),
        layer_error(lambda: built(query, value, key)),
        layer_error(lambda: zoo.MultiHeadAttention(2, 4)(query, value, key)),
    ]


@trigger("mask-shape")
def mask_shape(c):
    query, value = zeros(2, 3, 8), zeros(2, 5, 8)
    mask = np.ones((2, 4), bool)
    return [
        layer_error(
            lambda: zoo.LuongAttention()(query, value, value_mask=mask)
        ),
        layer_error(
            lambda: zoo.TransformerEncoderBlock(16, 2)(value, padding_mask=mask)
        ),
    ]


@trigger("positive-number")
def positive_number(c):
    return layer_error(lambda: zoo.CosineAttention(temperature=0))


@trigger("temperature-below-minimum")
def temperature_below_minimum(c):
    return layer_error(
        lambda: zoo.CosineAttention(temperature=0.01, min_temperature=0.1)
    )


@trigger("cosine-dimensions")
def cosine_dimensions(c):
    return layer_error(
        lambda: zoo.CosineAttention()(zeros(2, 3, 4), zeros(2, 5, 6))
    )


@trigger("dot-dimensions")
def dot_dimensions(c):
    return layer_error(
        lambda: zoo.LuongAttention()(zeros(2, 3, 4), zeros(2, 5, 6))
    )


@trigger("output-shape")
def output_shape(c):
    return layer_error(
        lambda: zoo.MultiHeadAttention(2, 4, output_shape=(2, 3))
    )


@trigger("attention-axes")
def attention_axes(c):
    return layer_error(
        lambda: zoo.MultiHeadAttention(2, 4, attention_axes=(1, 2))
    )


def _decoding_layer():
    layer = zoo.MultiHeadAttention(2, 4)
    layer(zeros(2, 1, 8), zeros(2, 1, 8))
    return layer


@trigger("cache-needs-equal-dims")
def cache_needs_equal_dims(c):
    layer = zoo.MultiHeadAttention(2, 4, value_dim=8)
    return layer_error(lambda: layer.initial_cache(2, 5))


@trigger("cache-shape")
def cache_shape(c):
    layer, step = _decoding_layer(), zeros(2, 1, 8)
    cache = zeros(2, 2, 5, 3, 4)  # 3 heads, not 2
    return layer_error(
        lambda: layer(step, step, cache=cache, cache_update_index=0)
    )


@trigger("cache-index-missing")
def cache_index_missing(c):
    layer, step = _decoding_layer(), zeros(2, 1, 8)
    return layer_error(
        lambda: layer(step, step, cache=layer.initial_cache(2, 5))
    )


@trigger("cache-index-range")
def cache_index_range(c):
    layer, step = _decoding_layer(), zeros(2, 1, 8)
    cache = layer.initial_cache(2, 5)
    return [
        layer_error(
            lambda i=i: layer(step, step, cache=cache, cache_update_index=i)
        )
        for i in (5, -1)
    ]


@trigger("cross-attention-sliding-window")
def cross_attention_sliding_window(c):
    return layer_error(
        lambda: zoo.CrossAttention(num_heads=2, key_dim=4, sliding_window=2)
    )


@trigger("cross-attention-needs-context")
def cross_attention_needs_context(c):
    layer = zoo.CrossAttention(num_heads=2, key_dim=4)
    return layer_error(lambda: layer(zeros(2, 3, 8)))


@trigger("cross-attention-context-or-cache")
def cross_attention_context_or_cache(c):
    layer = zoo.CrossAttention(num_heads=2, key_dim=4)
    layer(zeros(2, 3, 8), zeros(2, 5, 8))
    return layer_error(lambda: layer(zeros(2, 3, 8)))


@trigger("cross-attention-cache-before-call")
def cross_attention_cache_before_call(c):
    layer = zoo.CrossAttention(num_heads=2, key_dim=4)
    return layer_error(lambda: layer.compute_context_cache(zeros(2, 5, 8)))


@trigger("too-many-heads")
def too_many_heads(c):
    block = zoo.TransformerEncoderBlock(16, num_heads=16)
    return layer_error(lambda: block(zeros(2, 3, 8)))


@trigger("block-not-built")
def block_not_built(c):
    block = zoo.TransformerDecoderBlock(16, 2)
    return [
        layer_error(lambda: block.initial_self_attention_cache(2, 5)),
        layer_error(
            lambda: block.compute_cross_attention_cache(zeros(2, 5, 8))
        ),
    ]


def _decoder_block(encoder_sequence=None):
    block = zoo.TransformerDecoderBlock(16, 2)
    block(zeros(2, 3, 8), encoder_sequence)
    return block


@trigger("block-has-no-cross-attention")
def block_has_no_cross_attention(c):
    block = _decoder_block()
    return layer_error(
        lambda: block.compute_cross_attention_cache(zeros(2, 5, 8))
    )


@trigger("block-without-cross-attention")
def block_without_cross_attention(c):
    block = _decoder_block()
    return layer_error(lambda: block(zeros(2, 3, 8), zeros(2, 5, 8)))


@trigger("block-needs-encoder-sequence")
def block_needs_encoder_sequence(c):
    block = _decoder_block(zeros(2, 5, 8))
    return layer_error(lambda: block(zeros(2, 3, 8)))


@trigger("unknown-layer-name")
def unknown_layer_name(c):
    return layer_error(lambda: zoo.get("bogus"))


@trigger("from-keras-not-a-layer")
def from_keras_not_a_layer(c):
    dense = keras.layers.Dense(2)
    return layer_error(
        lambda: zoo.MultiHeadAttention.from_keras(dense), error=TypeError
    )


@trigger("from-keras-not-built")
def from_keras_not_built(c):
    layer = keras.layers.MultiHeadAttention(2, 4)
    return layer_error(lambda: zoo.MultiHeadAttention.from_keras(layer))


@trigger("from-keras-unsupported")
def from_keras_unsupported(c):
    gated = keras.layers.MultiHeadAttention(2, 4, use_gate=True)
    gated(zeros(2, 3, 8), zeros(2, 3, 8))
    axes = keras.layers.MultiHeadAttention(2, 4, attention_axes=(1, 2))
    axes(zeros(2, 3, 3, 8), zeros(2, 3, 3, 8))
    return [
        layer_error(lambda k=k: zoo.MultiHeadAttention.from_keras(k))
        for k in (gated, axes)
    ]


@trigger("from-keras-output-shape")
def from_keras_output_shape(c):
    layer = keras.layers.MultiHeadAttention(2, 4, output_shape=(2, 4))
    layer(zeros(2, 3, 8), zeros(2, 3, 8))
    return layer_error(lambda: zoo.MultiHeadAttention.from_keras(layer))


@trigger("from-keras-quantized")
def from_keras_quantized(c):
    inputs = keras.Input((3, 8))
    layer = keras.layers.MultiHeadAttention(2, 4)
    keras.Model(inputs, layer(inputs, inputs)).quantize("int8")
    return layer_error(lambda: zoo.MultiHeadAttention.from_keras(layer))


# The rows (after every trigger is registered) -------------------------------


@pytest.mark.parametrize(
    "row_id",
    [
        pytest.param(
            row_id,
            marks=pytest.mark.xfail(
                raises=RuleBroken, strict=True, reason=KNOWN_DEFECTS[row_id]
            ),
        )
        if row_id in KNOWN_DEFECTS
        else row_id
        for row_id in sorted(set(ROWS) | set(TRIGGERS))
    ],
)
def test_row(row_id, models, tmp_path, monkeypatch, capsys):
    assert row_id in ROWS, f"{row_id} has a trigger but no row"
    assert row_id in TRIGGERS, f"{row_id} has a row but no trigger"
    monkeypatch.chdir(tmp_path)
    context = Context(capsys, monkeypatch, models)
    try:
        messages = TRIGGERS[row_id](context)
    finally:
        context.clean_up()
    messages = [messages] if isinstance(messages, str) else messages
    regex = pattern(ROWS[row_id])
    for message in messages:
        assert regex.fullmatch(message), (
            f"{row_id}: the message\n  {message}\ndoes not match the row's\n"
            f"  {ROWS[row_id]}"
        )
    if context.problems:
        raise RuleBroken("; ".join(context.problems))
