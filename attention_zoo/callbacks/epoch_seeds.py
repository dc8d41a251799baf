"""Randomness per epoch that a resumed run repeats."""

import keras
import numpy as np

_STATE_NAME = "seed_generator_state"


class EpochSeeds(keras.callbacks.Callback):
    """Makes epoch e's randomness a function of `(seed, e)` alone.

    When an epoch begins, every `keras.random.SeedGenerator` of the model
    (dropout, augmentation layers) restarts from a state drawn from
    `(seed, epoch, its index)` (on PyTorch, so does torch's global
    generator, which Keras's unseeded dropout uses there), and a
    `recipes.EpochShuffled` training set passed as `data` takes the
    epoch's order of examples. Keras's
    `BackupAndRestore` restores weights and optimizer but neither of these,
    so without this callback a run resumed at epoch e draws other dropout
    masks and batches than the uninterrupted run did.

    Args:
        seed: an integer.
        data: an object with an `epoch` attribute (`EpochShuffled`), or
            `None`.
    """

    def __init__(self, seed, data=None):
        super().__init__()
        self.seed = int(seed)
        self.data = data

    def on_epoch_begin(self, epoch, logs=None):
        states = [
            variable
            for variable in self.model.variables
            if variable.name == _STATE_NAME
        ]
        rng = np.random.default_rng([self.seed, epoch])
        starts = rng.integers(0, 2**31 - 1, size=len(states) + 1)
        for variable, start in zip(states, starts):
            dtype = keras.backend.standardize_dtype(variable.dtype)
            variable.assign(np.array([start, 0]).astype(dtype))
        if keras.backend.backend() == "torch":
            import torch

            # Keras's unseeded dropout on PyTorch draws from torch's
            # global generator, not from its SeedGenerator.
            torch.manual_seed(int(starts[-1]))
        if self.data is not None:
            self.data.epoch = epoch
