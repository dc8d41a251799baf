"""The callbacks a careful user wants on every run, in one call."""

import importlib.util
import os
import warnings

import keras

from attention_zoo.callbacks.epoch_seeds import EpochSeeds
from attention_zoo.callbacks.training_state import TrainingState

# `keras.callbacks.TensorBoard` writes with `tf.summary`, which needs both.
_TENSORBOARD_PACKAGES = ("tensorflow", "tensorboard")
_warned_tensorboard_missing = False


def tensorboard_available():
    """Whether `keras.callbacks.TensorBoard` can run here: it writes with
    `tf.summary`, which needs the `tensorflow` and `tensorboard` packages
    (TensorFlow 2.21 no longer installs `tensorboard`)."""
    return all(
        importlib.util.find_spec(package) is not None
        for package in _TENSORBOARD_PACKAGES
    )


def _warn_tensorboard_missing():
    """Warns once per process that TensorBoard logging is off."""
    global _warned_tensorboard_missing
    if _warned_tensorboard_missing:
        return
    _warned_tensorboard_missing = True
    missing = [
        package
        for package in _TENSORBOARD_PACKAGES
        if importlib.util.find_spec(package) is None
    ] or ["tensorboard"]
    warnings.warn(
        "TensorBoard logging is off: `keras.callbacks.TensorBoard` needs the "
        "`tensorflow` and `tensorboard` packages (TensorFlow 2.21 no longer "
        f"installs `tensorboard`). `pip install {' '.join(missing)}` to turn "
        "it on.",
        stacklevel=3,
    )


def standard(
    output_dir,
    monitor="val_loss",
    mode="auto",
    patience=5,
    extra=(),
    tensorboard=None,
    seed=None,
    data=None,
    keep_backup=False,
):
    """Returns the standard callback list for `model.fit`.

    In order: `TerminateOnNaN`; with `seed`, `EpochSeeds` (each epoch's
    dropout masks and, for an `EpochShuffled` `data`, order of examples
    drawn from the seed and the epoch number); the `extra` callbacks (for
    example a `GenerationEvaluator`, which must run before the ones that
    read its metric); `ModelCheckpoint` of the best model by `monitor` to
    `output_dir/best.keras`; `EarlyStopping` on `monitor` with the best
    weights restored; `CSVLogger` appending to `output_dir/history.csv`;
    `TrainingState` in `output_dir/state` (the early stopping and
    checkpoint state); `BackupAndRestore` in `output_dir/backup`; and
    `TensorBoard` in `output_dir/tensorboard` (by default on the TensorFlow
    backend only, and only where `tensorboard_available()`: without the
    `tensorboard` package it is left out, with one warning per process).

    A killed run, started again with the same `output_dir`, resumes after
    its last finished epoch with the same weights, optimizer, early
    stopping and checkpoint state; with `seed` (and `data`) it then trains
    as the uninterrupted run would have, and stops at the same epoch.

    Args:
        output_dir: the run's folder (created if needed).
        monitor: the quantity checkpointing and early stopping watch.
        mode: `"min"`, `"max"` or `"auto"` (from the name: accuracy, BLEU,
            chrF, ROUGE, F1 and AUC are better higher).
        patience: epochs without improvement before stopping.
        extra: callbacks placed before the checkpoint and logger.
        tensorboard: force TensorBoard on or off (on still needs the
            `tensorboard` package).
        seed: the seed of `EpochSeeds`, or `None` to leave it out.
        data: the `EpochShuffled` training set `EpochSeeds` orders.
        keep_backup: keep the backup when `fit` ends (the caller deletes
            it once the run's results are saved), so that a run killed
            after training resumes without training again.
    """
    os.makedirs(output_dir, exist_ok=True)
    if mode == "auto" and any(
        name in monitor for name in ("bleu", "chrf", "rouge", "f1", "auc")
    ):
        # Keras's "auto" only knows accuracy is better higher.
        mode = "max"
    if tensorboard is None:
        tensorboard = keras.backend.backend() == "tensorflow"
    callbacks = [keras.callbacks.TerminateOnNaN()]
    if seed is not None:
        callbacks.append(EpochSeeds(seed, data=data))
    checkpoint = keras.callbacks.ModelCheckpoint(
        os.path.join(output_dir, "best.keras"),
        monitor=monitor,
        mode=mode,
        save_best_only=True,
    )
    early_stopping = keras.callbacks.EarlyStopping(
        monitor=monitor,
        mode=mode,
        patience=patience,
        restore_best_weights=True,
    )
    history_csv = os.path.join(output_dir, "history.csv")
    callbacks += [
        *extra,
        checkpoint,
        early_stopping,
        keras.callbacks.CSVLogger(history_csv, append=True),
        TrainingState(
            os.path.join(output_dir, "state"),
            early_stopping=early_stopping,
            checkpoint=checkpoint,
            history_csv=history_csv,
        ),
        keras.callbacks.BackupAndRestore(
            os.path.join(output_dir, "backup"),
            # The previous backup too: a kill while one is written.
            double_checkpoint=True,
            delete_checkpoint=not keep_backup,
        ),
    ]
    if tensorboard and not tensorboard_available():
        _warn_tensorboard_missing()
        tensorboard = False
    if tensorboard:
        callbacks.append(
            keras.callbacks.TensorBoard(os.path.join(output_dir, "tensorboard"))
        )
    return callbacks
