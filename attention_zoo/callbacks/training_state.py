"""What early stopping and checkpointing remember, kept across a resume."""

import json
import os

import keras
import numpy as np

_STATE = "state-{}.json"


class TrainingState(keras.callbacks.Callback):
    """Saves after each epoch, and restores when a run resumes, the state
    that `EarlyStopping` and `ModelCheckpoint` keep in memory.

    Keras's `BackupAndRestore` brings back the weights, the optimizer and
    the epoch, but early stopping restarts its patience and forgets its
    best value and weights, and the checkpoint forgets its best value: a
    resumed run then stops later, at another epoch, than the uninterrupted
    run. This callback writes `state-<epoch>.json` (and the best weights
    when they change) into `directory` after every epoch, with whether
    training was told to stop there. When the first epoch of a `fit` is
    not epoch 0 (a resume), it restores the state saved after the epoch
    before; it keeps the last two states, so that a run killed between
    this write and the backup's still finds the one that matches the
    backup. A `fit` that resumes with no epoch left to train (killed after
    its last epoch) restores the last state when it ends, and with it the
    best weights. With `history_csv`, rows of epochs the resumed run will
    train again are dropped from that CSV log. A `fit` from epoch 0 starts
    afresh: the folder's earlier states are removed.

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
        self._began = False

    @staticmethod
    def last_state(directory):
        """The newest state saved in `directory`, or `None`."""
        if not os.path.isdir(directory):
            return None
        epochs = [
            int(name[len("state-") : -len(".json")])
            for name in os.listdir(directory)
            if name.startswith("state-") and name.endswith(".json")
        ]
        if not epochs:
            return None
        path = os.path.join(directory, _STATE.format(max(epochs)))
        with open(path, encoding="utf-8") as file:
            return json.load(file)

    def _path(self, name):
        return os.path.join(self.directory, name)

    def on_train_begin(self, logs=None):
        self._began = False

    def on_epoch_begin(self, epoch, logs=None):
        if self._began:
            return
        self._began = True
        if epoch == 0:
            self._clear()
        else:
            self._restore(self._read(epoch - 1))
            self._trim_history(epoch)

    def on_epoch_end(self, epoch, logs=None):
        os.makedirs(self.directory, exist_ok=True)
        state = {
            "epoch": epoch,
            "stop_training": bool(self.model.stop_training),
        }
        stopping = self.early_stopping
        if stopping is not None:
            state["early_stopping"] = {
                "wait": stopping.wait,
                "best": _plain(stopping.best),
                "best_epoch": stopping.best_epoch,
                "stopped_epoch": stopping.stopped_epoch,
            }
            if stopping.best_weights is not None:
                name = f"best-weights-{stopping.best_epoch}.npz"
                if stopping.best_epoch == epoch or not os.path.exists(
                    self._path(name)
                ):
                    _save_weights(self._path(name), stopping.best_weights)
                state["early_stopping"]["best_weights"] = name
        if self.checkpoint is not None:
            state["checkpoint"] = {"best": _plain(self.checkpoint.best)}
        temporary = self._path(f".{_STATE.format(epoch)}")
        with open(temporary, "w", encoding="utf-8") as file:
            json.dump(state, file)
        os.replace(temporary, self._path(_STATE.format(epoch)))
        self._forget_before(epoch - 1)

    def on_train_end(self, logs=None):
        if self._began:
            return
        # No epoch ran: the resumed run had finished training.
        state = self.last_state(self.directory)
        if state is None:
            return
        self._restore(state)
        stopping = self.early_stopping
        if stopping is not None and stopping.restore_best_weights:
            if stopping.best_weights is not None:
                self.model.set_weights(stopping.best_weights)

    def _read(self, epoch):
        path = self._path(_STATE.format(epoch))
        if not os.path.exists(path):
            return None  # a run started without this callback
        with open(path, encoding="utf-8") as file:
            return json.load(file)

    def _restore(self, state):
        if state is None:
            return
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

    def _clear(self):
        """Removes the states and weights of an earlier run."""
        if not os.path.isdir(self.directory):
            return
        for name in os.listdir(self.directory):
            if name.startswith(("state-", ".state-", "best-weights-")):
                os.remove(self._path(name))

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
        """Keeps the header and the first `epochs` rows of the CSV log.

        Rewritten in place, not replaced: the `CSVLogger` has the file
        open for appending."""
        if self.history_csv is None or not os.path.exists(self.history_csv):
            return
        with open(self.history_csv, encoding="utf-8") as file:
            lines = file.read().splitlines(keepends=True)
        with open(self.history_csv, "w", encoding="utf-8") as file:
            file.writelines(lines[: epochs + 1])


def _plain(value):
    """A monitored best value as JSON: a float, or `None` before the
    metric first appeared."""
    return None if value is None else float(value)


def _save_weights(path, weights):
    temporary = path + ".partial.npz"
    np.savez(temporary, *weights)
    os.replace(temporary, path)


def _load_weights(path):
    with np.load(path) as archive:
        return [archive[f"arr_{i}"] for i in range(len(archive.files))]
