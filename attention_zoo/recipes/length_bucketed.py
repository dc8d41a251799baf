"""Batches of similar lengths, each cut to its longest row."""

import math

import numpy as np

from attention_zoo.recipes.epoch_shuffled import EpochShuffled


class LengthBucketed(EpochShuffled):
    """`EpochShuffled` batches of examples of similar lengths, with the
    padding columns no row of a batch needs cut off.

    Each epoch, the permutation of `(seed, epoch)` is split into pools
    of `pool_batches * batch_size` examples; each pool is sorted by
    `lengths` and cut into batches, and the batches are shuffled by the
    same generator: the order still depends on the seed and the epoch
    alone (exact resume). The arrays of `x` named in `trimmed` are then
    cut to the batch's longest length, rounded up to `1 / shapes` of
    their width, so that at most `shapes` batch shapes compile. Sequences
    of very different lengths (dialogues of 20 and 400 tokens) then cost
    what they hold, not what the longest pads them to: bucketing by
    length as tensor2tensor and fairseq do. Written here because
    `tf.data`'s `bucket_by_sequence_length` runs on TensorFlow only.

    Args:
        x: a dict of arrays of `n` examples, padded at the end.
        y: an array of `n` targets.
        batch_size, seed: as for `EpochShuffled`.
        lengths: `(n,)` the real length of each example.
        trimmed: the keys of `x` whose second axis is cut.
        shapes: how many widths a trimmed array may take.
        pool_batches: batches sorted together (more: closer lengths in a
            batch, less mixing between batches).
    """

    def __init__(
        self,
        x,
        y,
        batch_size,
        seed,
        lengths,
        trimmed,
        shapes=4,
        pool_batches=32,
    ):
        super().__init__(x, y, batch_size, seed)
        self.lengths = np.asarray(lengths)
        self.trimmed = tuple(trimmed)
        width = max(x[key].shape[1] for key in self.trimmed)
        self.step = max(math.ceil(width / shapes), 1)
        self.pool = pool_batches * batch_size
        self._batches_epoch, self._batches = None, None

    def __len__(self):
        full, rest = divmod(self.size, self.pool)
        per_pool = math.ceil(self.pool / self.batch_size)
        return full * per_pool + math.ceil(rest / self.batch_size)

    def batches(self):
        """This epoch's batches: arrays of example indices."""
        if self._batches_epoch != self.epoch:
            rng = np.random.default_rng([self.seed, self.epoch])
            order = rng.permutation(self.size)
            batches = []
            for start in range(0, self.size, self.pool):
                pool = order[start : start + self.pool]
                pool = pool[np.argsort(self.lengths[pool], kind="stable")]
                batches += [
                    pool[i : i + self.batch_size]
                    for i in range(0, len(pool), self.batch_size)
                ]
            batches = [batches[i] for i in rng.permutation(len(batches))]
            self._batches = self._second_of_another_width(batches)
            self._batches_epoch = self.epoch
        return self._batches

    def _second_of_another_width(self, batches):
        """`batches` with the first batch of another width than the first
        moved second: Keras's TensorFlow adapter takes the shapes the
        first two batches share for the shapes of all of them."""
        widths = [self._width(rows) for rows in batches]
        for index in range(1, len(batches)):
            if widths[index] != widths[0]:
                batches.insert(1, batches.pop(index))
                break
        return batches

    def _width(self, rows):
        longest = int(self.lengths[rows].max(initial=1))
        return math.ceil(longest / self.step) * self.step

    def __getitem__(self, index):
        rows = self.batches()[index]
        width = self._width(rows)
        x = {
            key: array[rows][:, :width] if key in self.trimmed else array[rows]
            for key, array in self.x.items()
        }
        return x, self.y[rows]
