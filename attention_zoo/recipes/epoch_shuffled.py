"""Batches of in-memory arrays in an order that depends on the epoch alone."""

import math

import keras
import numpy as np


class EpochShuffled(keras.utils.PyDataset):
    """`(x, y)` arrays in batches, shuffled by a permutation of `(seed, epoch)`.

    `model.fit(x, y, shuffle=True)` draws each epoch's order from a random
    state that has advanced through every earlier epoch, so a run resumed at
    epoch e sees other batches than the uninterrupted run did. Here epoch e's
    order is `default_rng([seed, e]).permutation(n)`, a function of the epoch
    number, which `callbacks.EpochSeeds(seed, data=...)` sets when each epoch
    begins. Fit with `shuffle=False`: Keras would shuffle the batches again
    with NumPy's global random state.

    Args:
        x: an array, or a list/tuple/dict of arrays, of `n` examples.
        y: an array of `n` targets (or `None`).
        batch_size: examples per batch; the last batch may be smaller.
        seed: the seed of every epoch's permutation.
    """

    def __init__(self, x, y, batch_size, seed):
        super().__init__()
        self.x, self.y = x, y
        self.batch_size = batch_size
        self.seed = seed
        self.size = len(keras.tree.flatten(x)[0])
        self.epoch = 0
        self._order_epoch, self._order = None, None

    def __len__(self):
        return math.ceil(self.size / self.batch_size)

    def order(self):
        """This epoch's permutation of the example indices."""
        if self._order_epoch != self.epoch:
            rng = np.random.default_rng([self.seed, self.epoch])
            self._order = rng.permutation(self.size)
            self._order_epoch = self.epoch
        return self._order

    def __getitem__(self, index):
        start = index * self.batch_size
        rows = self.order()[start : start + self.batch_size]
        x = keras.tree.map_structure(lambda array: array[rows], self.x)
        if self.y is None:
            return (x,)
        return x, self.y[rows]
