"""What early stopping and checkpointing remember, kept across a resume."""

import json
import os

import keras
import numpy as np


class TrainingState(keras.callbacks.Callback):
    """Saves after each epoch, and restores when a run resumes, the state
    that `EarlyStopping` and `ModelCheckpoint` keep in memory.

    Keras's `BackupAndRestore` brings back the weights, the optimizer and
    the epoch, but early stopping restarts its patience and forgets its
    best value and weights, and the checkpoint forgets its best value: a
    resumed run then stops later, at another epoch, than the uninterrupted
    run. This callback writes `state-<epoch>.json` (and the best weights
    when they change) into `directory` after every epoch, and when the
    first epoch of a run is not epoch 0 (a resume) restores the state
    saved after the epoch before it. It keeps the last two states, so that
    a run killed between this write and the backup's still finds the one
    that matches the backup. With `history_csv`, rows of epochs the resumed
    run will train again are dropped from that CSV log.

    Place it after the callbacks it saves and before `BackupAndRestore`.

    Args:
        directory: a folder for the state files (created if needed).
        early_stopping: a `keras.callbacks.EarlyStopping`, or `None`.
        checkpoint: a `keras.callbacks.ModelCheckpoint`, or `None`.
        history_csv: the path of a `CSVLogger` file, or `None`.
    """

    def __init__(
        self, directory, early_stopping=None, checkpoint=None, history_csv=None
    ):
        super().__init__()
        self.directory = directory
        self.early_stopping = early_stopping
        self.checkpoint = checkpoint
        self.history_csv = history_csv
        self._first_epoch = True

    def _path(self, name):
        return os.path.join(self.directory, name)

    def on_epoch_begin(self, epoch, logs=None):
        if self._first_epoch:
            self._first_epoch = False
            if epoch > 0:
                self._restore(epoch - 1)
                self._trim_history(epoch)

    def on_epoch_end(self, epoch, logs=None):
        os.makedirs(self.directory, exist_ok=True)
        state = {"epoch": epoch}
        stopping = self.early_stopping
        if stopping is not None:
            state["early_stopping"] = {
                "wait": stopping.wait,
                "best": float(stopping.best),
                "best_epoch": stopping.best_epoch,
                "stopped_epoch": stopping.stopped_epoch,
            }
            if stopping.best_weights is not None:
                name = f"best-weights-{stopping.best_epoch}.npz"
                if not os.path.exists(self._path(name)):
                    _save_weights(self._path(name), stopping.best_weights)
                state["early_stopping"]["best_weights"] = name
        if self.checkpoint is not None:
            state["checkpoint"] = {"best": float(self.checkpoint.best)}
        temporary = self._path(f".state-{epoch}.json")
        with open(temporary, "w", encoding="utf-8") as file:
            json.dump(state, file)
        os.replace(temporary, self._path(f"state-{epoch}.json"))
        self._forget_before(epoch - 1)

    def _restore(self, epoch):
        path = self._path(f"state-{epoch}.json")
        if not os.path.exists(path):
            raise ValueError(
                f"cannot resume at epoch {epoch + 1}: {path} is missing; the "
                "run was stopped by something other than a kill, or its "
                "folder was changed; start the run again"
            )
        with open(path, encoding="utf-8") as file:
            state = json.load(file)
        saved = state.get("early_stopping")
        if self.early_stopping is not None and saved is not None:
            stopping = self.early_stopping
            stopping.wait = saved["wait"]
            stopping.best = saved["best"]
            stopping.best_epoch = saved["best_epoch"]
            stopping.stopped_epoch = saved["stopped_epoch"]
            if "best_weights" in saved:
                stopping.best_weights = _load_weights(
                    self._path(saved["best_weights"])
                )
        if self.checkpoint is not None and "checkpoint" in state:
            self.checkpoint.best = state["checkpoint"]["best"]

    def _forget_before(self, epoch):
        """Deletes states older than `epoch` and weights they alone used."""
        keep = set()
        for name in os.listdir(self.directory):
            if name.startswith("state-") and name.endswith(".json"):
                if int(name[len("state-") : -len(".json")]) < epoch:
                    os.remove(self._path(name))
                    continue
                with open(self._path(name), encoding="utf-8") as file:
                    saved = json.load(file).get("early_stopping", {})
                keep.add(saved.get("best_weights"))
        for name in os.listdir(self.directory):
            if name.startswith("best-weights-") and name not in keep:
                os.remove(self._path(name))

    def _trim_history(self, epochs):
        """Keeps the header and the first `epochs` rows of the CSV log."""
        if self.history_csv is None or not os.path.exists(self.history_csv):
            return
        with open(self.history_csv, encoding="utf-8") as file:
            lines = file.read().splitlines(keepends=True)
        with open(self.history_csv, "w", encoding="utf-8") as file:
            file.writelines(lines[: epochs + 1])


def _save_weights(path, weights):
    temporary = path + ".partial.npz"
    np.savez(temporary, *weights)
    os.replace(temporary, path)


def _load_weights(path):
    with np.load(path) as archive:
        return [archive[f"arr_{i}"] for i in range(len(archive.files))]
