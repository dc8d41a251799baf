"""Ctrl-C during `fit` stops training at the end of the current step."""

import signal
import threading

import keras


class CtrlC(keras.callbacks.Callback):
    """A callback and context manager that turns Ctrl-C into a
    `KeyboardInterrupt` raised from the fit loop itself.

    Python raises `KeyboardInterrupt` wherever the main thread happens to
    be when the signal arrives; during JAX's `fit` that was at times code
    whose exceptions are ignored, and the run went on to the end. Inside
    the `with` block, Ctrl-C only sets a flag, and the callback raises at
    the end of the current step; a second Ctrl-C raises at once. At the
    end of the last epoch (or of one where training stops) it lets `fit`
    finish, so that the end-of-training callbacks run; the caller checks
    `pressed` afterwards.
    """

    def __init__(self):
        super().__init__()
        self.pressed = False
        self._previous = None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._on_signal)
        return self

    def __exit__(self, *exception):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        return False

    def _on_signal(self, signum, frame):
        if self.pressed:
            raise KeyboardInterrupt
        self.pressed = True

    def _stop_if_pressed(self, *args, **kwargs):
        if self.pressed:
            raise KeyboardInterrupt

    on_train_batch_end = _stop_if_pressed
    on_test_batch_end = _stop_if_pressed

    def on_epoch_end(self, epoch, logs=None):
        if self.model.stop_training or epoch + 1 == self.params["epochs"]:
            return  # fit ends here anyway
        self._stop_if_pressed()
