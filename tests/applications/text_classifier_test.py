"""The text classifier and the shared CLI, on a few dozen real reviews.

Reviews come from the committed IMDB sample (`data/imdb_sample`, Maas et
al. 2011). One CLI training run (a subprocess) is shared by the CLI tests.
"""

import argparse
import csv
import hashlib
import io
import json
import tarfile
import zipfile
from pathlib import Path

import keras
import numpy as np
import pytest

from applications._runner import commands
from applications._runner import main
from applications._runner.run_directory import WORK_DIR
from applications.text_classifier import ATTENTIONS
from applications.text_classifier import TextClassifier
from applications.text_classifier import TextClassifierBackbone
from applications.text_classifier import TextClassifierPreprocessor
from applications.text_classifier import data
from applications.text_classifier.cli import APPLICATION
from applications.text_classifier.preprocessor import build_vocabulary
from applications.text_classifier.preprocessor import split_words
from tests.application_harness import check_exact_resume
from tests.application_harness import check_round_trip
from tests.application_harness import run_application_test
from tests.application_harness import run_cli
from tests.application_harness import train_cli

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "imdb_sample"
TRAIN_CSV = SAMPLE / "train.csv"
TEST_CSV = SAMPLE / "test.csv"


def reviews(path=TRAIN_CSV, count=32):
    """The first `count` `(text, label)` rows of a sample CSV."""
    with open(path, newline="", encoding="utf-8") as file:
        rows = [(r["text"], r["label"]) for r in csv.DictReader(file)]
    return [text for text, _ in rows[:count]], [lab for _, lab in rows[:count]]


def tiny(vocabulary, labels, attention="bahdanau", sequence_length=48):
    """A small `TextClassifier`, compiled op by op without metrics (a
    tiny run is quicker so; the recipe's defaults are checked in
    test_compile_defaults_come_from_the_task)."""
    preprocessor = TextClassifierPreprocessor(vocabulary, sequence_length)
    backbone = TextClassifierBackbone(
        preprocessor.vocabulary_size,
        attention=attention,
        sequence_length=sequence_length,
        embedding_dim=16,
        hidden_dim=16,
    )
    model = TextClassifier(backbone, preprocessor, labels)
    model.compile(metrics=[], jit_compile=False)
    return model


def snapshot(folder):
    """`{relative path: sha256}` of every file under `folder`."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(Path(folder).rglob("*"))
        if p.is_file()
    }


def write_tree(root, splits):
    """An aclImdb-layout folder: `splits` = {split: (texts, labels)}."""
    for split, (texts, labels) in splits.items():
        for i, (text, label) in enumerate(zip(texts, labels)):
            path = root / split / label / f"{i}_1.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")


def write_csv(path, header, rows, delimiter=","):
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


# Model -----------------------------------------------------------------------


def test_preprocessor_uses_the_vocabulary():
    preprocessor = TextClassifierPreprocessor(["good", "film"], 5)
    ids = preprocessor(["Good FILM, good!<br />unseen", ""])
    np.testing.assert_array_equal(ids, [[2, 3, 2, 1, 0], [0, 0, 0, 0, 0]])
    assert preprocessor.words("Don't stop") == ["dont", "stop"]
    assert split_words("Don't stop") == ["dont", "stop"]
    ids = np.ones((2, 5), "int32")
    assert preprocessor(ids) is ids  # ids pass through


@pytest.mark.parametrize("attention", ATTENTIONS)
def test_variant_fits_saves_and_predicts_raw_text(attention, tmp_path):
    texts, labels = reviews(count=32)
    y = np.array([int(label == "pos") for label in labels])
    keras.utils.set_random_seed(1)
    model = tiny(build_vocabulary(texts, 500), ["neg", "pos"], attention)
    history = model.fit(texts, y, batch_size=16, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert history.history["loss"][0] > 0.0

    # Every call takes one batch of 16, the fit's shape: on JAX, op-by-op
    # execution compiles each op once per shape.
    batch = ["A great film.", *texts[1:16]]
    probabilities = model.predict(batch, batch_size=16, verbose=0)
    assert probabilities.shape == (16, 2)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)

    # Attention weights: a distribution over the real tokens, 0 at padding.
    explained, weights = model.explain(batch, batch_size=16)
    np.testing.assert_allclose(explained, probabilities, atol=1e-6)
    assert weights.shape == (16, 48)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(weights[0, 3:], 0.0)
    assert np.all(weights[0, :3] > 0.0)

    check_round_trip(model, batch, tmp_path, batch_size=16)


def test_compile_defaults_come_from_the_task():
    preprocessor = TextClassifierPreprocessor(["good"], 4)
    backbone = TextClassifierBackbone(3, sequence_length=4)
    model = TextClassifier(backbone, preprocessor, ["a", "b", "c"])
    model.compile()
    assert type(model.optimizer).__name__ == "AdamW"
    assert model.optimizer.global_clipnorm == 1.0
    assert type(model.loss).__name__ == "SparseCategoricalCrossentropy"
    model.fit(["good", "bad"], np.array([0, 2]), epochs=1, verbose=0)
    names = [m.name for m in model.metrics[1].metrics]
    assert names == ["accuracy", "precision", "recall", "f1", "pr_auc"]


def test_constructor_errors_name_the_argument():
    preprocessor = TextClassifierPreprocessor(["a"], 4)
    with pytest.raises(ValueError, match="attention"):
        TextClassifierBackbone(3, attention="bogus", sequence_length=4)
    backbone = TextClassifierBackbone(3, sequence_length=4)
    with pytest.raises(ValueError, match="labels"):
        TextClassifier(backbone, preprocessor, ["x"])
    with pytest.raises(ValueError, match="sequence_length"):
        TextClassifier(
            backbone, TextClassifierPreprocessor(["a"], 8), ["x", "y"]
        )
    with pytest.raises(ValueError, match="out-of-vocabulary"):
        TextClassifierPreprocessor(["a", "[UNK]"])
    with pytest.raises(ValueError, match="no 'backbone'"):
        TextClassifier.from_config({"vocabulary": ["a"], "labels": ["x"]})


# Data ------------------------------------------------------------------------


def test_folder_archives_and_tables_give_the_same_reviews(tmp_path):
    texts, labels = reviews(count=24)
    test_texts, test_labels = reviews(TEST_CSV, count=8)
    tree = tmp_path / "aclImdb"
    write_tree(
        tree, {"train": (texts, labels), "test": (test_texts, test_labels)}
    )
    (tree / "train" / "unsup").mkdir()
    (tree / "train" / "unsup" / "0_0.txt").write_text("no label")
    with tarfile.open(tmp_path / "reviews.tar.gz", "w:gz") as archive:
        archive.add(tree, arcname="aclImdb")
    with zipfile.ZipFile(tmp_path / "reviews.zip", "w") as archive:
        for path in tree.rglob("*.txt"):
            archive.write(path, path.relative_to(tmp_path).as_posix())

    expected = sorted(zip(texts, labels))
    for source in (
        tree,
        tmp_path,
        tmp_path / "reviews.tar.gz",
        tmp_path / "reviews.zip",
    ):
        loaded = data.load(source, seed=3)
        names = [loaded.labels[i] for i in loaded.y_train]
        assert sorted(zip(loaded.x_train, names)) == expected
        assert sorted(loaded.x_test) == sorted(test_texts)
        assert loaded.labels == ["neg", "pos"]

    rows = list(zip(texts, labels))
    write_csv(
        tmp_path / "reviews.tsv",
        ["id", "label", "text"],
        [(i, b, a) for i, (a, b) in enumerate(rows)],
        delimiter="\t",
    )
    loaded = data.load(tmp_path / "reviews.tsv", test_fraction=0.25, seed=3)
    assert (len(loaded.x_train), len(loaded.x_test)) == (18, 6)
    assert sorted(loaded.x_train + loaded.x_test) == sorted(texts)

    capped = data.load(tree, max_examples=5, seed=3)
    assert (len(capped.x_train), len(capped.x_test)) == (5, 5)


def test_held_out_folders_without_a_test_split(tmp_path):
    texts, labels = reviews(count=24)
    write_tree(tmp_path / "train_only", {"train": (texts[:8], labels[:8])})
    loaded = data.load(TRAIN_CSV, test_data=tmp_path / "train_only", seed=1)
    assert sorted(loaded.x_test) == sorted(texts[:8])
    held, _ = data.load_test(tmp_path / "train_only")
    assert sorted(held) == sorted(texts[:8])
    # A test label training never saw: the message names the test file.
    unseen = write_csv(
        tmp_path / "unseen.csv", ["text", "label"], [("meh", "neutral")]
    )
    with pytest.raises(ValueError, match="unseen.csv never occur"):
        data.load(TRAIN_CSV, test_data=unseen)


def test_a_csv_saved_by_excel_with_a_byte_order_mark(tmp_path):
    texts, labels = reviews(count=20)
    table = io.StringIO()
    csv.writer(table).writerows([("text", "label"), *zip(texts, labels)])
    path = tmp_path / "excel.csv"
    path.write_bytes(("\ufeff" + table.getvalue()).encode("utf-8"))
    loaded = data.load(path, seed=0)
    assert sorted(loaded.x_train + loaded.x_test) == sorted(texts)


def test_preprocessor_takes_bytes():
    preprocessor = TextClassifierPreprocessor(["good"], 3)
    np.testing.assert_array_equal(
        preprocessor([b"good film", "good"]), [[2, 1, 0], [2, 0, 0]]
    )


def test_any_number_of_string_labels(tmp_path):
    rows = [
        (f"text number {i} " + "word " * (i % 3), f"class {i % 3}")
        for i in range(30)
    ]
    loaded = data.load(
        write_csv(tmp_path / "three.csv", ["text", "label"], rows),
        test_fraction=0.3,
        seed=0,
    )
    assert loaded.labels == ["class 0", "class 1", "class 2"]


# CLI -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    return train_cli(
        APPLICATION,
        tmp_path_factory.mktemp("cli") / "run",
        "--data",
        str(TRAIN_CSV),
        "--test-data",
        str(TEST_CSV),
        "--attention",
        "luong",
        "--epochs",
        "1",
        "--max-examples",
        "40",
        "--sequence-length",
        "64",
    )


def test_train_writes_the_run_files(trained_run):
    names = {p.name for p in trained_run.iterdir()}
    assert {"model.keras", "metrics.json", "history.csv", "attention"} <= names
    assert not (trained_run / WORK_DIR).exists()
    metrics = json.loads((trained_run / "metrics.json").read_text())
    assert metrics["attention"] == "luong"
    assert metrics["epochs"] == 1
    assert metrics["backend"] == keras.backend.backend()
    # 40 training examples, the last tenth of them validating.
    assert metrics["examples"] == {"train": 36, "validation": 4, "test": 40}
    assert metrics["monitor"] == "val_loss"
    assert metrics["dtype_policy"] == "float32" and "precision" not in metrics
    assert metrics["test_data"] == str(TEST_CSV)
    assert metrics["train_seconds"] > 0
    for key in ("accuracy", "precision", "recall", "f1"):
        assert 0.0 <= metrics["test"][key] <= 1.0
    with open(trained_run / "history.csv") as file:
        assert len(list(csv.DictReader(file))) == 1
    pictures = list((trained_run / "attention").glob("*.png"))
    assert len(pictures) == 3
    assert all(p.stat().st_size > 1000 for p in pictures)


def test_a_user_mistake_exits_2_in_one_line(tmp_path):
    result = run_cli(
        APPLICATION, "predict", "--model", str(tmp_path / "none.keras"), "x"
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: --model") and "does not exist" in last


def bad_inputs(tmp_path, trained_run):
    """`(argv, message)` pairs: each must end with exit status 2."""
    rows = list(zip(*reviews(count=20)))
    good = write_csv(tmp_path / "good.csv", ["text", "label"], rows)
    (tmp_path / "bad.tar.gz").write_bytes(b"not an archive at all")
    with zipfile.ZipFile(tmp_path / "layout.zip", "w") as archive:
        archive.writestr("reviews/review1.txt", "a review without a label")
    columns = write_csv(tmp_path / "columns.csv", ["review", "sentiment"], rows)
    empty = write_csv(tmp_path / "empty.csv", ["text", "label"], [])
    unseen = write_csv(
        tmp_path / "unseen.csv",
        ["text", "label"],
        [("so so", "neutral"), ("good", "pos")],
    )
    (tmp_path / "latin1.csv").write_bytes(b"text,label\ncaf\xe9,pos\n")
    (tmp_path / "random.keras").write_bytes(bytes(range(256)) * 4)
    train = ["train", "--output", str(tmp_path / "new"), "--data"]
    model = str(trained_run / "model.keras")
    return [
        (train + [str(tmp_path / "missing")], "does not exist"),
        (train + [str(tmp_path / "latin1.csv")], "is not UTF-8"),
        (train + [str(tmp_path / "bad.tar.gz")], "not a readable"),
        (train + [str(tmp_path / "layout.zip")], "expected layout"),
        (train + [str(columns)], "column"),
        (train + [str(empty)], "no training examples"),
        (train + [str(good), "--test-data", str(unseen)], "'neutral'"),
        (train + [str(good), "--attention", "bogus"], "invalid choice"),
        (train + [str(good), "--epochs", "0"], "positive integer"),
        (["evaluate", "--model", model, "--data", str(unseen)], "not classes"),
        (
            ["evaluate", "--model", str(good), "--data", str(good)],
            "is not a readable .keras file",
        ),
        (
            ["predict", "--model", str(tmp_path / "random.keras"), "x"],
            "is not a readable .keras file",
        ),
        (["predict", "--model", model], "at least one INPUT"),
        (
            ["predict", "--model", model, "--input-file", "missing.txt"],
            "cannot be read",
        ),
    ]


def test_the_application_harness(tmp_path, trained_run, capsys):
    texts, labels = reviews(count=16)
    y = np.array([int(label == "pos") for label in labels])
    vocabulary = build_vocabulary(texts, 300)
    inputs = ["A wonderful, moving film.", "Dull plot and terrible acting."]
    printed = run_application_test(
        APPLICATION,
        lambda: tiny(vocabulary, ["neg", "pos"], sequence_length=32),
        texts,
        y,
        inputs,
        tmp_path,
        capsys,
        run=trained_run,
        evaluate_argv=["--data", str(TEST_CSV), "--max-examples", "30"],
        predict_argv=["--explain", "--top-k", "3"],
        bad_inputs=bad_inputs(tmp_path, trained_run),
    )
    model = keras.saving.load_model(trained_run / "model.keras")

    # evaluate scores the seeded sample of the test file.
    texts, labels = data.load_test(TEST_CSV, max_examples=30)
    predicted = np.argmax(model.predict(texts, verbose=0), axis=1)
    truth = np.array([model.labels.index(label) for label in labels])
    accuracy = printed["evaluate"]["accuracy"]
    assert accuracy == pytest.approx(np.mean(predicted == truth))
    assert set(printed["evaluate"]) >= {"accuracy", "precision", "f1"}

    # predict --explain: the label and the most attended words, ranked.
    lines = printed["predict"]
    expected = model.predict(inputs, verbose=0)
    assert [line["input"] for line in lines] == inputs
    for line, row, text in zip(lines, expected, inputs):
        assert line["label"] == model.labels[int(np.argmax(row))]
        assert line["probability"] == pytest.approx(row.max(), abs=1e-5)
        words = [item["word"] for item in line["attention"]]
        assert len(words) == 3 and set(words) <= set(model.words(text))
        for item in line["attention"]:  # a repeated word is told apart
            assert model.words(text)[item["position"]] == item["word"]
        weights = [item["weight"] for item in line["attention"]]
        assert weights == sorted(weights, reverse=True)
        assert "warnings" not in line


def test_predict_warns_about_what_the_model_could_not_read(trained_run):
    model = keras.saving.load_model(trained_run / "model.keras")
    long_text = " ".join(["film"] * 100)  # the run reads 64 tokens
    args = argparse.Namespace(explain=False, top_k=3)
    empty, unknown, long = APPLICATION.predict(
        model, ["", "zxqv qqxz", long_text], args
    )
    assert "vocabulary" in empty["warnings"][0]
    assert "vocabulary" in unknown["warnings"][0]
    assert long["warnings"] == [
        "only the first 64 of its 100 words were read (the model's "
        "sequence length)"
    ]


def test_a_refused_output_leaves_the_earlier_run_untouched(trained_run, capsys):
    before = snapshot(trained_run)
    common = ["train", "--output", str(trained_run), "--data", str(TRAIN_CSV)]
    for extra, message in [
        ([], "is not empty"),
        (["--resume"], "no stopped run"),
        # --overwrite reads the data before it touches anything.
        (["--overwrite", "--test-data", "missing.csv"], "does not exist"),
    ]:
        assert main(APPLICATION, common + extra) == 2
        assert message in capsys.readouterr().err
        assert snapshot(trained_run) == before


class _Stop(keras.callbacks.Callback):
    """Stops training like Ctrl-C, after the first epoch."""

    def on_epoch_end(self, epoch, logs=None):
        raise KeyboardInterrupt("stopped after epoch 1")


def test_resume_continues_a_stopped_run(tmp_path, monkeypatch, capsys):
    output = tmp_path / "run"
    argv = [
        "train",
        "--data",
        str(TRAIN_CSV),
        "--output",
        str(output),
        "--epochs",
        "2",
        "--max-examples",
        "24",
        "--sequence-length",
        "32",
        "--quiet",
    ]
    standard = commands.zoo_callbacks.standard
    monkeypatch.setattr(
        commands.zoo_callbacks,
        "standard",
        lambda *a, **k: standard(*a, **k) + [_Stop()],
    )
    assert main(APPLICATION, argv) == 130
    assert (
        capsys.readouterr()
        .err.strip()
        .endswith(f"train --output {output} --resume")
    )
    monkeypatch.undo()
    assert (output / WORK_DIR / "backup").is_dir()
    assert not (output / "model.keras").exists()

    assert main(APPLICATION, argv) == 2  # not without --resume
    assert "--resume" in capsys.readouterr().err
    assert (
        main(
            APPLICATION,
            ["train", "--output", str(output), "--resume", "--quiet"],
        )
        == 0
    )
    metrics = json.loads((output / "metrics.json").read_text())
    assert metrics["epochs"] == 2 and metrics["examples"]["train"] == 21
    with open(output / "history.csv") as file:
        assert [row["epoch"] for row in csv.DictReader(file)] == ["0", "1"]
    assert not (output / WORK_DIR).exists()


def test_resume_after_ctrl_c_and_a_kill_ends_like_the_whole_run(tmp_path):
    check_exact_resume(
        APPLICATION,
        [
            "--data",
            str(TRAIN_CSV),
            "--test-data",
            str(TEST_CSV),
            "--max-examples",
            "160",
            "--sequence-length",
            "48",
            "--epochs",
            "8",
            "--patience",
            "2",
            "--batch-size",
            "16",
        ],
        tmp_path,
    )
