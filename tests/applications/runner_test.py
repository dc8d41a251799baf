"""The shared runner serves tasks that are not classifiers: a toy
regression application whose training data is a `keras.utils.PyDataset`,
that monitors its own metric, adds a callback and a `predict` flag."""

import csv
import json

import keras
import numpy as np
import pytest

from applications._runner import Application
from applications._runner import TrainingData
from applications._runner import arguments
from applications._runner import main
from applications._runner.run_directory import WORK_DIR
from attention_zoo.recipes import PRECISIONS


class Sums(keras.utils.PyDataset):
    """Batches of 4 numbers and their sum."""

    def __init__(self, count, seed):
        super().__init__()
        rng = np.random.default_rng(seed)
        self.x = rng.normal(size=(count, 4)).astype("float32")
        self.y = self.x.sum(axis=1, keepdims=True)

    def __len__(self):
        return len(self.x) // 8

    def __getitem__(self, index):
        batch = slice(8 * index, 8 * index + 8)
        return self.x[batch], self.y[batch]


class Recorder(keras.callbacks.Callback):
    epochs = []

    def on_epoch_end(self, epoch, logs=None):
        Recorder.epochs.append(sorted(logs))


class SumApplication(Application):
    name = "sums"
    monitor = "val_mean_absolute_error"
    monitor_mode = "min"
    default_epochs = 2

    def add_arguments(self, parser, command):
        if command == "predict":
            parser.add_argument("--scale", type=float, default=1.0)

    def load_data(self, args):
        test = Sums(16, seed=2)
        return TrainingData(
            train=Sums(64, seed=0),
            validation=Sums(16, seed=1),
            test=(test.x, test.y),
            examples={"train": 64, "validation": 16, "test": 16},
            info={"task": "sums"},
        )

    def build_model(self, args, data):
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
        model.compile("adam", "mse", metrics=["mean_absolute_error"])
        return model

    def callbacks(self, args, data, model):
        return [Recorder()]

    def evaluate(self, model, test, args):
        x, y = test
        error = np.abs(model.predict(x, verbose=0) - y).mean()
        return {"mean_absolute_error": float(error)}

    def predict(self, model, inputs, args):
        x = np.array([[float(v) for v in text.split(",")] for text in inputs])
        sums = model.predict(x, verbose=0)[:, 0] * args.scale
        return [{"input": t, "sum": float(s)} for t, s in zip(inputs, sums)]


class TextOnly(SumApplication):
    model_class = keras.layers.Dense  # not what the file holds


def test_a_model_of_another_class_is_refused_in_one_line(tmp_path, capsys):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.save(tmp_path / "other.keras")
    argv = ["predict", "--model", str(tmp_path / "other.keras"), "1,2,3,4"]
    assert main(TextOnly(), argv) == 2
    err = capsys.readouterr().err.strip()
    assert (
        err.startswith("error: --model")
        and "holds a model of class Sequential" in err
    )
    assert len(err) < 200 and len(err.splitlines()) == 1


def test_a_regression_task_trains_from_a_pydataset(tmp_path, capsys):
    output = tmp_path / "run"
    app = SumApplication()
    argv = ["train", "--data", "unused", "--output", str(output), "--quiet"]
    assert main(app, argv) == 0, capsys.readouterr().err
    metrics = json.loads((output / "metrics.json").read_text())
    assert metrics["monitor"] == "val_mean_absolute_error"
    assert metrics["examples"] == {"train": 64, "validation": 16, "test": 16}
    assert metrics["task"] == "sums" and metrics["epochs"] == 2
    with open(output / "history.csv") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == 2 and "val_mean_absolute_error" in rows[0]
    assert len(Recorder.epochs) == 2  # the application's callback ran
    assert (output / "best.keras").is_file()

    capsys.readouterr()
    model = str(output / "model.keras")
    assert main(app, ["predict", "--model", model, "1,2,3,4"]) == 0
    plain = json.loads(capsys.readouterr().out)
    argv = ["predict", "--model", model, "--scale", "2", "1,2,3,4"]
    assert main(app, argv) == 0
    scaled = json.loads(capsys.readouterr().out)
    assert scaled["sum"] == np.float32(2 * plain["sum"])  # the flag arrived


class Diverging(SumApplication):
    """A model whose first step gives an infinite loss."""

    def build_model(self, args, data):
        model = keras.Sequential(
            [
                keras.Input((4,)),
                keras.layers.Dense(1, kernel_initializer="ones"),
                keras.layers.Lambda(lambda x: x * np.float32(np.inf)),
            ]
        )
        model.compile("adam", "mse")
        return model


def test_a_run_that_diverges_at_once_ends_in_one_line(tmp_path, capsys):
    output = tmp_path / "run"
    argv = ["train", "--data", "unused", "--output", str(output), "--quiet"]
    assert main(Diverging(), argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: training diverged") and "epoch 1" in err
    assert not output.exists()  # nothing left behind


def test_ctrl_c_after_training_keeps_the_run_resumable(
    tmp_path, capsys, monkeypatch
):
    """Ctrl-C while the trained model is tested: the backup is kept, and
    --resume tests and publishes it without training again."""
    output = tmp_path / "run"
    argv = ["train", "--data", "unused", "--output", str(output), "--quiet"]

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(SumApplication, "evaluate", interrupted)
    assert main(SumApplication(), argv) == 130
    assert capsys.readouterr().err.strip().endswith("--resume")
    monkeypatch.undo()
    Recorder.epochs.clear()
    resume = ["train", "--output", str(output), "--resume", "--quiet"]
    assert main(SumApplication(), resume) == 0, capsys.readouterr().err
    assert Recorder.epochs == []  # no epoch trained again
    metrics = json.loads((output / "metrics.json").read_text())
    assert metrics["epochs"] == 2 and not (output / WORK_DIR).exists()


def test_a_run_killed_before_its_first_backup_can_start_again(tmp_path, capsys):
    output = tmp_path / "run"
    (output / WORK_DIR).mkdir(parents=True)
    (output / WORK_DIR / "run.json").write_text("{}")  # what a kill leaves
    resume = ["train", "--output", str(output), "--resume"]
    assert main(SumApplication(), resume) == 2
    assert "start the run again without --resume" in capsys.readouterr().err
    argv = ["train", "--data", "unused", "--output", str(output), "--quiet"]
    assert main(SumApplication(), argv) == 0, capsys.readouterr().err


@pytest.mark.parametrize("backend", ["nope", "numpy"])
def test_an_unknown_backend_is_refused_in_one_line(
    backend, monkeypatch, capsys
):
    monkeypatch.setenv("KERAS_BACKEND", backend)
    assert main(SumApplication(), ["predict", "--model", "m", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        f"error: KERAS_BACKEND={backend}: the applications run on "
        "tensorflow, jax, torch; set it to one of them"
    )


def test_the_parser_offers_every_dtype_policy_of_the_recipes():
    # Written out in `arguments` so that parsing needs no Keras.
    assert arguments.PRECISIONS == PRECISIONS
