"""`LengthBucketed`: every example once per epoch, in batches of similar
lengths cut to few widths, in an order of the seed and the epoch."""

import numpy as np

from attention_zoo.recipes import LengthBucketed

WIDTH = 40


def data(count=103, seed=0):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, WIDTH + 1, size=count)
    ids = np.zeros((count, WIDTH), "int32")
    for row, length in enumerate(lengths):
        ids[row, :length] = row + 1  # the row's number, then padding
    x = {"ids": ids, "other": np.arange(count * 3).reshape(count, 3)}
    return x, np.arange(count), lengths


def epoch(bucketed):
    return [bucketed[i] for i in range(len(bucketed))]


def test_every_example_once_in_batches_of_similar_lengths():
    x, y, lengths = data()
    bucketed = LengthBucketed(
        x, y, 8, seed=3, lengths=lengths, trimmed=("ids",), pool_batches=4
    )
    batches = epoch(bucketed)
    seen = np.concatenate([labels for _, labels in batches])
    assert sorted(seen) == list(range(103)) and len(batches) == len(bucketed)
    widths = set()
    for inputs, labels in batches:
        width = inputs["ids"].shape[1]
        widths.add(width)
        # Cut to the longest row, rounded up to a quarter of the width.
        assert width % 10 == 0 and width - 10 < lengths[labels].max() <= width
        np.testing.assert_array_equal(inputs["ids"], x["ids"][labels, :width])
        np.testing.assert_array_equal(inputs["other"], x["other"][labels])
    assert len(widths) <= 4
    # Sorted pools: a batch's lengths are closer than a random batch's.
    spread = np.mean([np.ptp(lengths[labels]) for _, labels in batches])
    assert spread < 0.5 * np.ptp(lengths)


def test_the_order_depends_on_the_seed_and_the_epoch_alone():
    x, y, lengths = data()

    def order(seed, epoch_number):
        bucketed = LengthBucketed(x, y, 8, seed, lengths, ("ids",))
        bucketed.epoch = epoch_number
        return [labels.tolist() for _, labels in epoch(bucketed)]

    assert order(1, 0) == order(1, 0)
    assert order(1, 0) != order(1, 1) and order(1, 0) != order(2, 0)
    resumed = LengthBucketed(x, y, 8, 1, lengths, ("ids",))
    resumed.epoch = 1
    assert [b.tolist() for _, b in epoch(resumed)] == order(1, 1)
