import importlib
import os
import warnings

import keras
import numpy as np
import pytest

from attention_zoo import callbacks
from attention_zoo import layers
from attention_zoo import recipes
from tests.test_case import BACKEND

# `attention_zoo.callbacks.standard` is the function; this is its module.
standard_module = importlib.import_module("attention_zoo.callbacks.standard")


class Interrupt(keras.callbacks.Callback):
    """Simulates a killed run: raises at the end of epoch `at`."""

    def __init__(self, at):
        super().__init__()
        self.at = at

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.at:
            raise KeyboardInterrupt("simulated interruption")


def train(output_dir, interrupt_at=None, epochs=4, tensorboard=None):
    keras.utils.set_random_seed(0)
    tokens = keras.Input((5,), dtype="int32")
    x = keras.layers.Embedding(20, 8, mask_zero=True)(tokens)
    x = layers.MultiHeadAttention(2, 4)(x, x)
    x = layers.AttentionPooling()(x)
    model = keras.Model(tokens, keras.layers.Dense(2)(x))
    model.compile(
        optimizer=keras.optimizers.Adam(0.01),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    rng = np.random.default_rng(0)
    data = rng.integers(0, 20, size=(32, 5))
    labels = rng.integers(0, 2, size=(32,))
    bundle = callbacks.standard(
        output_dir, monitor="loss", patience=10, tensorboard=tensorboard
    )
    if interrupt_at is not None:
        bundle.append(Interrupt(interrupt_at))
    model.fit(
        data,
        labels,
        epochs=epochs,
        batch_size=8,
        shuffle=False,
        callbacks=bundle,
        verbose=0,
    )
    return model


def test_resumed_run_ends_like_an_uninterrupted_run(tmp_path):
    reference = train(os.path.join(tmp_path, "uninterrupted"))
    run = os.path.join(tmp_path, "interrupted")
    with pytest.raises(KeyboardInterrupt):
        train(run, interrupt_at=1)
    assert os.path.isdir(os.path.join(run, "backup"))
    resumed = train(run)
    for expected, got in zip(reference.weights, resumed.weights):
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(got),
            keras.ops.convert_to_numpy(expected),
            atol=1e-6,
        )
    with open(os.path.join(run, "history.csv")) as file:
        epochs = [line.split(",")[0] for line in file.read().splitlines()[1:]]
    assert epochs == ["0", "1", "2", "3"]
    assert os.path.exists(os.path.join(run, "best.keras"))
    assert not os.path.exists(os.path.join(run, "backup"))  # run finished


def train_with_dropout(
    output_dir, interrupt_at=None, before_backup=False, keep_backup=False
):
    """A run whose early stopping fires after epoch `interrupt_at`:
    dropout, shuffled batches and a validation loss that falls, then rises
    (a third of the validation labels are flipped training labels). With
    `before_backup`, the interruption comes after the training state of
    that epoch is saved, before its backup is."""
    keras.utils.set_random_seed(0)
    tokens = keras.Input((5,), dtype="int32")
    x = keras.layers.Embedding(20, 8)(tokens)
    x = layers.MultiHeadAttention(2, 4, dropout=0.3)(x, x)
    x = keras.layers.Dropout(0.3)(layers.AttentionPooling()(x))
    model = keras.Model(tokens, keras.layers.Dense(2)(x))
    model.compile(
        optimizer=keras.optimizers.Adam(0.02),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    rng = np.random.default_rng(0)
    train_data = recipes.EpochShuffled(
        rng.integers(0, 20, size=(40, 5)),
        rng.integers(0, 2, size=(40,)),
        batch_size=8,
        seed=3,
    )
    flipped = train_data.y[:16] ^ (np.arange(16) % 3 == 0)
    validation = (train_data.x[:16], flipped)
    bundle = callbacks.standard(
        output_dir,
        patience=3,
        seed=3,
        data=train_data,
        keep_backup=keep_backup,
    )
    if interrupt_at is not None:
        backup = kinds_of(bundle).index("BackupAndRestore")
        at = backup if before_backup else len(bundle)
        bundle.insert(at, Interrupt(interrupt_at))
    # A run that early stopping ended is not trained further.
    state = callbacks.TrainingState.last_state(output_dir / "state")
    stopped = state is not None and state["stop_training"]
    history = model.fit(
        train_data,
        validation_data=validation,
        epochs=state["epoch"] + 1 if stopped else 30,
        shuffle=False,  # EpochShuffled orders the examples
        callbacks=bundle,
        verbose=0,
    )
    stopping = next(c for c in bundle if type(c).__name__ == "EarlyStopping")
    return model, history, stopping


@pytest.mark.parametrize(
    "when", ["after the backup", "before the backup", "after training"]
)
def test_resumed_run_stops_where_the_uninterrupted_run_stops(tmp_path, when):
    reference, history, stopping = train_with_dropout(tmp_path / "whole")
    assert 3 < len(history.history["loss"]) < 30  # early stopping fired
    run = tmp_path / "killed"
    with pytest.raises(KeyboardInterrupt):
        train_with_dropout(
            run,
            interrupt_at=stopping.stopped_epoch
            if when == "after training"
            else 1,
            before_backup=when == "before the backup",
            keep_backup=when == "after training",
        )
    resumed, _, resumed_stopping = train_with_dropout(run)
    assert resumed_stopping.stopped_epoch == stopping.stopped_epoch
    assert resumed_stopping.best_epoch == stopping.best_epoch
    for expected, got in zip(reference.weights, resumed.weights):
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(got),
            keras.ops.convert_to_numpy(expected),
            atol=1e-5,
        )
    with open(run / "history.csv") as file:
        rows = file.read().splitlines()[1:]
    assert [row.split(",")[0] for row in rows] == [
        str(epoch) for epoch in range(stopping.stopped_epoch + 1)
    ]


def test_a_metric_that_is_not_logged_only_warns(tmp_path):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.warns(UserWarning, match="val_loss"):
        model.fit(
            np.ones((8, 3)),
            np.ones((8, 1)),
            epochs=2,
            callbacks=callbacks.standard(tmp_path),  # watches val_loss
            verbose=0,
        )
    state = callbacks.TrainingState.last_state(tmp_path / "state")
    assert state["epoch"] == 1 and state["early_stopping"]["best"] is None


def test_epoch_shuffled_order_depends_on_the_epoch_alone():
    data = recipes.EpochShuffled(np.arange(10), np.arange(10), 4, seed=5)
    first = [data[i][1].tolist() for i in range(len(data))]
    assert len(data) == 3 and sorted(sum(first, [])) == list(range(10))
    data.epoch = 1
    second = [data[i][1].tolist() for i in range(len(data))]
    assert second != first
    data.epoch = 0
    assert [data[i][1].tolist() for i in range(len(data))] == first


def test_bundle_contents(tmp_path):
    bundle = callbacks.standard(tmp_path, monitor="val_bleu", seed=1)
    kinds = [type(c).__name__ for c in bundle]
    assert kinds[:7] == [
        "TerminateOnNaN",
        "EpochSeeds",
        "ModelCheckpoint",
        "EarlyStopping",
        "CSVLogger",
        "TrainingState",
        "BackupAndRestore",
    ]
    assert "EpochSeeds" not in kinds_of(callbacks.standard(tmp_path))
    assert ("TensorBoard" in kinds) == (
        BACKEND == "tensorflow" and standard_module.tensorboard_available()
    )
    early = next(c for c in bundle if type(c).__name__ == "EarlyStopping")
    assert early.restore_best_weights
    assert early.mode == "max"  # BLEU: higher is better


def kinds_of(bundle):
    return [type(callback).__name__ for callback in bundle]


def test_tensorboard_when_available(tmp_path, monkeypatch):
    monkeypatch.setattr(standard_module, "tensorboard_available", lambda: True)
    by_default = kinds_of(callbacks.standard(tmp_path))
    if BACKEND == "tensorflow":
        assert by_default[-1] == "TensorBoard"
    else:
        assert "TensorBoard" not in by_default
    assert "TensorBoard" in kinds_of(
        callbacks.standard(tmp_path, tensorboard=True)
    )
    assert "TensorBoard" not in kinds_of(
        callbacks.standard(tmp_path, tensorboard=False)
    )


def test_without_tensorboard_left_out_with_one_warning(tmp_path, monkeypatch):
    monkeypatch.setattr(standard_module, "tensorboard_available", lambda: False)
    monkeypatch.setattr(standard_module, "_warned_tensorboard_missing", False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bundles = [
            callbacks.standard(tmp_path / "default"),
            callbacks.standard(tmp_path / "forced", tensorboard=True),
            callbacks.standard(tmp_path / "again", tensorboard=True),
        ]
        # Training runs, instead of ending in `TBNotInstalledError`.
        train(tmp_path / "run", epochs=1, tensorboard=True)
    for bundle in bundles:
        assert "TensorBoard" not in kinds_of(bundle)
    assert kinds_of(bundles[1]) == kinds_of(
        callbacks.standard(tmp_path, tensorboard=False)
    )
    missing = [w for w in caught if "TensorBoard" in str(w.message)]
    assert len(missing) == 1, [str(w.message) for w in caught]
    assert "pip install tensorboard" in str(missing[0].message)
    assert missing[0].filename == __file__  # points at the caller
    assert os.path.exists(tmp_path / "run" / "history.csv")
    assert not os.path.exists(tmp_path / "run" / "tensorboard")


@pytest.mark.parametrize(
    "installed, expected",
    [
        ({"tensorflow", "tensorboard"}, True),
        ({"tensorflow"}, False),  # TensorFlow 2.21 without tensorboard
        ({"tensorboard"}, False),
    ],
)
def test_tensorboard_available_needs_both_packages(
    monkeypatch, installed, expected
):
    def find_spec(name, package=None):
        return object() if name in installed else None

    monkeypatch.setattr(standard_module.importlib.util, "find_spec", find_spec)
    assert standard_module.tensorboard_available() is expected
