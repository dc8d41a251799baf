"""Training for a fixed wall-clock budget, keeping the best epoch.

Shared by the accuracy benchmarks: every model in a comparison gets the
same seconds of `fit`, and ends with the weights of its best epoch by a
validation metric (the test split is never looked at while training).
"""

import time

import keras


class TimeBudget(keras.callbacks.Callback):
    """Stops `fit` after `seconds` of training and restores the weights of
    the epoch with the best `monitor` (lowest with `mode="min"`, highest
    with `"max"`).

    The budget is checked after every batch, so the last epoch may be cut
    short; it is still validated. Keras's `EarlyStopping` restores the
    best weights only when it stops the run itself, hence this callback.
    """

    def __init__(self, seconds, monitor="val_loss", mode="min"):
        super().__init__()
        self.seconds = seconds
        self.monitor = monitor
        self.sign = 1.0 if mode == "min" else -1.0

    def on_train_begin(self, logs=None):
        self.started = time.perf_counter()
        self.best_value = float("inf")
        self.best_weights = None
        self.best_epoch = None
        self.epochs = 0

    def on_train_batch_end(self, batch, logs=None):
        if time.perf_counter() - self.started > self.seconds:
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        self.epochs = epoch + 1
        value = (logs or {}).get(self.monitor)
        if value is not None and self.sign * value < self.best_value:
            self.best_value = self.sign * float(value)
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch + 1

    def on_train_end(self, logs=None):
        self.train_seconds = time.perf_counter() - self.started
        if self.best_weights is not None:
            self.model.set_weights(self.best_weights)


def fit_within(model, x, y, seconds, batch_size, max_epochs=100, verbose=2):
    """Fits `model` on `(x, y)` for at most `seconds` (90% train, 10%
    validation, the last tenth of the arrays) and returns a dict with the
    epochs run, the best epoch and the training seconds."""
    budget = TimeBudget(seconds)
    model.fit(
        x,
        y,
        batch_size=batch_size,
        epochs=max_epochs,
        validation_split=0.1,
        callbacks=[budget],
        verbose=verbose,
    )
    return {
        "epochs": budget.epochs,
        "best_epoch": budget.best_epoch,
        "train_seconds": round(budget.train_seconds, 1),
    }
