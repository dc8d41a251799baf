"""Training examples of users' histories, built with array operations.

- `sequence_windows`: SASRec's examples, a history and the next item at
  every position; a history longer than the window is cut into several
  windows (the oldest one left-padded), so that no interaction is lost.
- `prefix_examples`: one example per interaction after a user's first,
  the `length` items before it and the item itself, for the backbones
  that score one next item.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from applications.errors import DataError

NOTHING_TO_TRAIN = (
    "no user has 2 training interactions (besides the validation and test "
    "items): nothing to learn a next item from; give longer histories"
)


def sequence_windows(histories, users, length):
    """`(history, user, targets)`: int32 `(windows, length)`,
    `(windows,)` and `(windows, length)` (0: no target) of index arrays
    `histories` and their user indices `users`."""
    inputs, owners, targets = [], [], []
    for user, history in zip(users, histories):
        count = len(history) - 1
        if count < 1:
            continue
        pad = -count % length
        padded = np.zeros(pad + count, "int32")
        padded[pad:] = history[:-1]
        following = np.zeros(pad + count, "int32")
        following[pad:] = history[1:]
        inputs.append(padded.reshape(-1, length))
        targets.append(following.reshape(-1, length))
        owners.append(np.full(len(padded) // length, user, "int32"))
    if not inputs:
        raise DataError(NOTHING_TO_TRAIN)
    return (
        np.concatenate(inputs),
        np.concatenate(owners),
        np.concatenate(targets),
    )


def prefix_examples(histories, users, length):
    """`(history, user, target)`: int32 `(n, length)` left-padded
    histories, `(n,)` user indices and `(n,)` next items."""
    inputs, owners, targets = [], [], []
    for user, history in zip(users, histories):
        count = len(history)
        if count < 2:
            continue
        padded = np.concatenate([np.zeros(length, "int32"), history])
        inputs.append(sliding_window_view(padded, length)[1:count])
        targets.append(np.asarray(history[1:], "int32"))
        owners.append(np.full(count - 1, user, "int32"))
    if not inputs:
        raise DataError(NOTHING_TO_TRAIN)
    return (
        np.concatenate(inputs).astype("int32"),
        np.concatenate(owners),
        np.concatenate(targets),
    )
