"""`RecommenderPreprocessor`: item and user ids to the model's indices."""

import numpy as np
from keras import saving


def split_history(history):
    """The item ids of a history given as `"ID,ID,..."` or a list."""
    if isinstance(history, str):
        return [part.strip() for part in history.split(",") if part.strip()]
    return [str(item) for item in history]


@saving.register_keras_serializable(package="applications")
class RecommenderPreprocessor:
    """Maps histories of item ids (strings) to `(n, sequence_length)`
    int32 indices, left-padded with 0, most recent item last, and user ids
    to indices (0: a user training never saw).

    Index `1 + i` is the item `items[i]`; its title is `titles[i]` (empty
    where the data names none). Items the model does not know are skipped
    (`unknown`), and only the last `sequence_length` known items are kept,
    as SASRec keeps a user's most recent actions. The maps are plain Python
    dicts rebuilt from the config, which the task's `.keras` file keeps, so
    a saved model maps raw ids on every backend without TensorFlow string
    ops (as `TextClassifierPreprocessor` explains).

    Args:
        items: the item ids the model scores, in index order.
        sequence_length: the most recent items of a history kept.
        users: the user ids training saw (for `mf`), in index order.
        titles: a title per item, or `None`.

    Example:

    >>> p = RecommenderPreprocessor(["10", "20", "30"], sequence_length=4)
    >>> p(["10,30", ["20", "99", "10", "30", "20"]])["history"].tolist()
    [[0, 0, 1, 3], [2, 1, 3, 2]]
    """

    def __init__(self, items, sequence_length, users=(), titles=None):
        self.items = [str(item) for item in items]
        self.sequence_length = int(sequence_length)
        self.users = [str(user) for user in users]
        self.titles = None if titles is None else [str(t) for t in titles]
        self.item_index = {item: i + 1 for i, item in enumerate(self.items)}
        self.user_index = {user: i + 1 for i, user in enumerate(self.users)}

    @property
    def item_count(self):
        """Items the model scores (indices `1..item_count`)."""
        return len(self.items)

    def item_indices(self, items):
        """int32 indices of known item ids; unknown ones map to 0."""
        return np.array(
            [self.item_index.get(str(item), 0) for item in items], "int32"
        )

    def unknown(self, history):
        """The item ids of `history` the model does not know."""
        return [i for i in split_history(history) if i not in self.item_index]

    def encode_histories(self, histories):
        """`(n, sequence_length)` int32, left-padded, last items kept."""
        encoded = np.zeros((len(histories), self.sequence_length), "int32")
        for row, history in enumerate(histories):
            indices = self.item_indices(split_history(history))
            indices = indices[indices > 0][-self.sequence_length :]
            if len(indices):
                encoded[row, -len(indices) :] = indices
        return encoded

    def user_indices(self, users):
        return np.array(
            [self.user_index.get(str(user), 0) for user in users], "int32"
        )

    def __call__(self, x):
        """`{"history", "user"}` arrays of raw histories (a list of
        `"ID,ID,..."` strings or lists), or of `{"history": [...],
        "user": [...]}`; arrays of indices and datasets pass through."""
        if isinstance(x, dict):
            if isinstance(x.get("history"), np.ndarray):
                if x["history"].dtype.kind in "iu":
                    return x
            histories, users = x["history"], x.get("user")
        elif isinstance(x, (list, tuple)):
            histories, users = x, None
        else:
            return x  # a dataset, or arrays the model takes
        encoded = self.encode_histories(list(histories))
        if users is None:
            user_ids = np.zeros((len(encoded),), "int32")
        else:
            user_ids = self.user_indices(users)
        return {"history": encoded, "user": user_ids}

    def item_ids(self, indices):
        """Item id strings of indices (index 0 gives `""`)."""
        return ["" if i == 0 else self.items[i - 1] for i in indices]

    def title(self, index):
        if not self.titles or index < 1:
            return None
        return self.titles[index - 1] or None

    def get_config(self):
        return {
            "items": self.items,
            "sequence_length": self.sequence_length,
            "users": self.users,
            "titles": self.titles,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)
