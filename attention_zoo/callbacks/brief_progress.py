"""A progress bar with the loss and the one metric that is watched."""

import keras


class BriefProgress(keras.callbacks.Callback):
    """One progress bar per epoch, showing `loss` and `monitor` only.

    `fit(verbose=1)` shows every training and validation metric: a
    classifier's line passes 300 characters and wraps. This shows the loss
    and the metric that picks the best epoch; a `CSVLogger` keeps the rest.
    Use it with `fit(verbose=0)`. It prints where Keras's bar prints
    (`sys.stdout`).

    Args:
        monitor: the watched metric, shown when the logs have it.
    """

    def __init__(self, monitor="val_loss"):
        super().__init__()
        self.monitor = monitor
        self._bar = None
        self._seen = 0

    def _shown(self, logs):
        names = dict.fromkeys(("loss", self.monitor))
        return [(name, logs[name]) for name in names if name in (logs or {})]

    def on_epoch_begin(self, epoch, logs=None):
        print(f"Epoch {epoch + 1}/{self.params['epochs']}", flush=True)
        self._bar = keras.utils.Progbar(
            self.params.get("steps"),
            unit_name="step",
            stateful_metrics=("loss", self.monitor),
        )
        self._seen = 0

    def on_train_batch_end(self, batch, logs=None):
        self._seen = batch + 1
        self._bar.update(self._seen, values=self._shown(logs))

    def on_epoch_end(self, epoch, logs=None):
        self._bar.update(self._seen, values=self._shown(logs), finalize=True)
