"""How the recommender is evaluated, both ways papers report it.

For each evaluated user, the held-out item is ranked (ties counted
against it, `attention_zoo.metrics.positive_ranks`):

- among `SAMPLED_NEGATIVES` items the user never interacted with, drawn
  with a seed of their own, so that every model meets the same negatives
  (SASRec's protocol): `hr@10`, `ndcg@10`;
- over the whole catalogue, the user's earlier items left out:
  `full_hr@10`, `full_ndcg@10` and `mrr` (Krichene and Rendle 2020 show
  that sampled metrics can order models differently).

Our own rank metrics rather than `keras_rs.metrics`: they take a mask of
the items to leave out, and count ties against the held-out item (a
model scoring everything alike ranks it last); the tests check that the
two agree where both apply.
"""

import zlib

import keras
import numpy as np

from applications.recommender.defaults import SAMPLED_NEGATIVES
from applications.recommender.defaults import TOP_K
from attention_zoo.metrics import positive_ranks

NEGATIVES_SEED = 20180917  # fixed: not the run's seed, the same for all


def sample_negatives(item_count, interacted, users, count=SAMPLED_NEGATIVES):
    """`(users, count)` item indices in `1..item_count`: for each user,
    `count` distinct items outside `interacted[u]` (their indices), drawn
    by a generator seeded with `NEGATIVES_SEED` and the user's id alone,
    so that a user meets the same negatives in every model and run that
    share the item map, whatever other users are scored."""
    negatives = np.zeros((len(interacted), count), "int32")
    for row, (items, user) in enumerate(zip(interacted, users)):
        allowed = np.ones(item_count + 1, bool)
        allowed[0] = False
        allowed[np.asarray(items, "int64")] = False
        candidates = np.flatnonzero(allowed)
        if len(candidates) < count:
            raise ValueError(
                f"`interacted` leaves user {user!r} {len(candidates)} of "
                f"{item_count} items; expected at least count={count}"
            )
        rng = np.random.default_rng(
            [NEGATIVES_SEED, zlib.crc32(str(user).encode())]
        )
        negatives[row] = rng.choice(candidates, count, replace=False)
    return negatives


def ranking_metrics(scores, targets, seen, negatives, k=TOP_K):
    """The five metrics of `scores` `(users, item_count + 1)` (column 0
    padding), `targets` `(users,)` indices, `seen` a list of each user's
    index arrays left out of the full ranking, `negatives` `(users, n)`."""
    users = np.arange(len(targets))
    sampled = np.concatenate(
        [
            scores[users, targets][:, None],
            np.take_along_axis(scores, negatives.astype("int64"), axis=1),
        ],
        axis=1,
    )
    sampled_ranks = positive_ranks(sampled)
    mask = np.zeros(scores.shape, bool)
    mask[:, 0] = True
    for row, items in enumerate(seen):
        mask[row, np.asarray(items, "int64")] = True
    full_ranks = positive_ranks(scores, targets.astype("int64"), mask)

    def hit(ranks):
        return float(np.mean(ranks < k))

    def ndcg(ranks):
        return float(np.mean(np.where(ranks < k, 1 / np.log2(ranks + 2), 0)))

    return {
        f"hr@{k}": round(hit(sampled_ranks), 4),
        f"ndcg@{k}": round(ndcg(sampled_ranks), 4),
        f"full_hr@{k}": round(hit(full_ranks), 4),
        f"full_ndcg@{k}": round(ndcg(full_ranks), 4),
        "mrr": round(float(np.mean(1 / (full_ranks + 1))), 4),
    }


def evaluate(model, held_out, batch_size=64):
    """The metrics of `model` on a `data.HeldOut`, with `users`: how many
    were scored (a held-out item the model does not know is skipped)."""
    preprocessor = model.preprocessor
    targets = preprocessor.item_indices(held_out.targets)
    known = np.flatnonzero(targets > 0)
    if not len(known):
        raise ValueError("no held-out item is one the model knows")
    histories = [held_out.histories[i] for i in known]
    users = [held_out.users[i] for i in known]
    scores = model.score_items(
        {"history": histories, "user": users}, batch_size=batch_size
    )
    seen = [preprocessor.item_indices(held_out.seen[i]) for i in known]
    interacted = [
        preprocessor.item_indices(held_out.interacted[i]) for i in known
    ]
    negatives = sample_negatives(preprocessor.item_count, interacted, users)
    return {
        **ranking_metrics(scores, targets[known], seen, negatives),
        "users": int(len(known)),
    }


class RankingEvaluator(keras.callbacks.Callback):
    """After every epoch, ranks each validation user's held-out item and
    logs the five metrics as `val_<name>` (`val_full_ndcg@10`, ...), for
    the callbacks after it (early stopping, checkpoints, the CSV log)."""

    def __init__(self, held_out, batch_size=64):
        super().__init__()
        self.held_out = held_out
        self.batch_size = batch_size

    def on_epoch_end(self, epoch, logs=None):
        metrics = evaluate(self.model, self.held_out, self.batch_size)
        if logs is not None:
            for name, value in metrics.items():
                if name != "users":
                    logs[f"val_{name}"] = value
