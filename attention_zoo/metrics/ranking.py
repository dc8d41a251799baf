"""Top-K ranking metrics of sequential recommendation: HR@K, NDCG@K, MRR.

Two evaluation protocols share one rank definition:

- sampled negatives (SASRec, BERT4Rec): each user's held-out item is scored
  with `num_negatives` sampled items, `scores` has shape
  `(users, 1 + num_negatives)` and the positive is column 0, the default
  when `positives` is `None`;
- full ranking: `scores` covers the whole catalogue, `(users, num_items)`,
  `positives` holds the index of each user's held-out item, and `seen_mask`
  optionally removes the items the user already interacted with.

Ties are pessimistic: the 0-based rank of the positive is the number of
other (not excluded) candidates scored `>=` it. A model that scores every
item the same therefore ranks the positive last, never first; an
optimistic rule (strictly greater) would give such a model HR@K = 1.
"""

import keras
import numpy as np
from keras import ops

from attention_zoo._checks import check_positive_int


def _to_numpy(value):
    if isinstance(value, (np.ndarray, list, tuple)):
        return np.asarray(value)
    return np.asarray(ops.convert_to_numpy(value))


def positive_ranks(scores, positives=None, seen_mask=None):
    """0-based rank of each user's positive item, ties counted against it.

    `rank_u = #{j != p_u, not seen_mask[u, j] : scores[u, j] >=
    scores[u, p_u]}`; `rank_u = 0` means the positive is at the top.

    Args:
        scores: `(users, candidates)` floats; `-inf` is allowed (an item
            scored `-inf` only outranks a positive scored `-inf`), NaN is
            not.
        positives: `(users,)` integer column of each user's positive item;
            `None` means column 0 (the sampled-negative layout).
        seen_mask: optional `(users, candidates)` booleans, `True` for items
            to leave out of the ranking (the user's history). The positive
            itself is never left out, even if marked.

    Returns:
        `(users,)` int64 numpy array of ranks.

    Example:

    >>> positive_ranks([[0.5, 0.9, 0.5, 0.1]]).tolist()
    [2]
    """
    scores = _to_numpy(scores)
    if scores.ndim != 2 or scores.shape[0] == 0 or scores.shape[1] == 0:
        raise ValueError(
            "`scores` must be a non-empty 2D array (users, candidates); "
            f"received scores with shape {scores.shape}."
        )
    if not np.issubdtype(scores.dtype, np.number) or np.isnan(scores).any():
        raise ValueError(
            "`scores` must hold real numbers without NaN; received "
            f"scores of dtype {scores.dtype}"
            + (" with NaN." if scores.dtype.kind == "f" else ".")
        )
    num_users, num_candidates = scores.shape
    if positives is None:
        positives = np.zeros((num_users,), "int64")
    positives = _to_numpy(positives)
    if positives.shape != (num_users,) or positives.dtype.kind not in "iu":
        raise ValueError(
            f"`positives` must be {num_users} integers, one per row of "
            f"`scores`; received positives with shape {positives.shape} "
            f"and dtype {positives.dtype}."
        )
    if positives.min() < 0 or positives.max() >= num_candidates:
        raise ValueError(
            f"`positives` must be in [0, {num_candidates}); received "
            f"values from {positives.min()} to {positives.max()}."
        )
    rows = np.arange(num_users)
    positive_scores = scores[rows, positives]
    ahead = scores >= positive_scores[:, None]
    ahead[rows, positives] = False
    if seen_mask is not None:
        seen_mask = _to_numpy(seen_mask)
        if seen_mask.shape != scores.shape or seen_mask.dtype != bool:
            raise ValueError(
                "`seen_mask` must be booleans of the shape of `scores` "
                f"{scores.shape}; received seen_mask with shape "
                f"{seen_mask.shape} and dtype {seen_mask.dtype}."
            )
        ahead &= ~seen_mask
    return ahead.sum(axis=1).astype("int64")


def hit_rate_at_k(scores, positives=None, k=10, seen_mask=None):
    """Hit rate at K (HR@K, also Recall@K with one held-out item).

    `HR@K = mean_u [rank_u < K]`, with the pessimistic rank of
    `positive_ranks`.

    Args:
        scores, positives, seen_mask: as in `positive_ranks`.
        k: cut-off, a positive integer.

    Returns:
        A float in `[0, 1]`.

    Example:

    >>> hit_rate_at_k([[0.9, 0.1, 0.5], [0.2, 0.3, 0.8]], k=1)
    0.5

    Reference: Kang and McAuley 2018, "Self-Attentive Sequential
    Recommendation", ICDM (section IV-B).
    """
    k = check_positive_int("k", k)
    ranks = positive_ranks(scores, positives, seen_mask)
    return float(np.mean(ranks < k))


def ndcg_at_k(scores, positives=None, k=10, seen_mask=None):
    """Normalized discounted cumulative gain at K (NDCG@K).

    With one relevant item the ideal DCG is 1, so
    `NDCG@K = mean_u [rank_u < K] / log2(rank_u + 2)`.

    Args:
        scores, positives, seen_mask: as in `positive_ranks`.
        k: cut-off, a positive integer.

    Returns:
        A float in `[0, 1]`.

    Example:

    >>> round(ndcg_at_k([[0.5, 0.9, 0.1]], k=10), 4)
    0.6309

    Reference: Jarvelin and Kekalainen 2002, "Cumulated Gain-Based
    Evaluation of IR Techniques", ACM TOIS; Kang and McAuley 2018.
    """
    k = check_positive_int("k", k)
    ranks = positive_ranks(scores, positives, seen_mask)
    gains = np.where(ranks < k, 1.0 / np.log2(ranks + 2.0), 0.0)
    return float(np.mean(gains))


def mrr(scores, positives=None, k=None, seen_mask=None):
    """Mean reciprocal rank, optionally cut at K (MRR@K).

    `MRR = mean_u 1 / (rank_u + 1)`; with `k`, positives ranked `>= k`
    count 0.

    Args:
        scores, positives, seen_mask: as in `positive_ranks`.
        k: optional cut-off, a positive integer.

    Returns:
        A float in `(0, 1]` (`[0, 1]` with a cut-off).

    Example:

    >>> mrr([[0.9, 0.1], [0.2, 0.8]])
    0.75

    Reference: Voorhees 1999, "The TREC-8 Question Answering Track Report".
    """
    k = check_positive_int("k", k, allow_none=True)
    ranks = positive_ranks(scores, positives, seen_mask)
    reciprocal = 1.0 / (ranks + 1.0)
    if k is not None:
        reciprocal = np.where(ranks < k, reciprocal, 0.0)
    return float(np.mean(reciprocal))


def _sampled_ranks(y_pred, dtype):
    """Pessimistic rank of column 0 with `keras.ops`; NaN rows rank `inf`."""
    y_pred = ops.convert_to_tensor(y_pred)
    if len(y_pred.shape) != 2:
        raise ValueError(
            "`y_pred` must have shape (batch, candidates) with the positive "
            f"in column 0; received y_pred with shape {tuple(y_pred.shape)}."
        )
    ahead = ops.greater_equal(y_pred[:, 1:], y_pred[:, :1])
    ranks = ops.sum(ops.cast(ahead, dtype), axis=-1)
    # A NaN compares false with everything, which would rank the positive
    # first; count the whole row as a miss instead.
    has_nan = ops.any(ops.isnan(y_pred), axis=-1)
    return ops.where(has_nan, ops.cast(float("inf"), dtype), ranks)


def _hit(y_true, y_pred, k, dtype):
    ranks = _sampled_ranks(y_pred, dtype)
    return ops.cast(ops.less(ranks, k), dtype)


def _ndcg(y_true, y_pred, k, dtype):
    ranks = _sampled_ranks(y_pred, dtype)
    gains = 1.0 / ops.log2(ops.minimum(ranks, float(k)) + 2.0)
    return ops.where(ops.less(ranks, k), gains, ops.zeros_like(gains))


class _SampledRankMetric(keras.metrics.MeanMetricWrapper):
    """The streamed mean of a per-row score of the pessimistic rank of
    column 0, cut at `k`. A subclass sets `_score`, a function
    `(y_true, y_pred, k, dtype)` returning `(batch,)` scores, and
    `_default_name`, formatted with `k`."""

    _score = None
    _default_name = None

    def __init__(self, k=10, name=None, dtype=None):
        k = check_positive_int("k", k)
        super().__init__(
            fn=self._score,
            name=name or self._default_name.format(k=k),
            dtype=dtype,
            k=k,
        )
        self._fn_kwargs["dtype"] = self.dtype
        self.k = k
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "k": self.k}


@keras.saving.register_keras_serializable(package="attention_zoo")
class HitRate(_SampledRankMetric):
    """HR@K over batches of sampled-negative scores, for `fit`/`evaluate`.

    Streams the mean of `[rank < K]`, where the rank of column 0 is the
    number of other columns scored `>=` it (pessimistic ties, as in
    `hit_rate_at_k`). Rows containing NaN count as misses.

    Args:
        k: cut-off, a positive integer.
        name: metric name, `"hit_rate_at_{k}"` by default.
        dtype: dtype of the metric state.

    Call arguments:
        y_true: ignored (the positive is column 0 by construction); pass
            any array Keras accepts, such as the labels of your loss.
        y_pred: `(batch, 1 + num_negatives)` scores, positive in column 0.
        sample_weight: optional `(batch,)` weights.

    Example:

    >>> metric = HitRate(k=1)
    >>> metric.update_state(None, [[0.9, 0.1, 0.5], [0.2, 0.3, 0.8]])
    >>> float(metric.result())
    0.5

    Reference: Kang and McAuley 2018, "Self-Attentive Sequential
    Recommendation", ICDM.
    """

    _score = staticmethod(_hit)
    _default_name = "hit_rate_at_{k}"


@keras.saving.register_keras_serializable(package="attention_zoo")
class NDCG(_SampledRankMetric):
    """NDCG@K over batches of sampled-negative scores, for `fit`/`evaluate`.

    Streams the mean of `[rank < K] / log2(rank + 2)` with the pessimistic
    rank of column 0 (as in `ndcg_at_k`). Rows containing NaN score 0.

    Args:
        k: cut-off, a positive integer.
        name: metric name, `"ndcg_at_{k}"` by default.
        dtype: dtype of the metric state.

    Call arguments:
        y_true: ignored (the positive is column 0 by construction).
        y_pred: `(batch, 1 + num_negatives)` scores, positive in column 0.
        sample_weight: optional `(batch,)` weights.

    Example:

    >>> metric = NDCG(k=10)
    >>> metric.update_state(None, [[0.5, 0.9, 0.1]])
    >>> round(float(metric.result()), 4)
    0.6309

    Reference: Jarvelin and Kekalainen 2002, "Cumulated Gain-Based
    Evaluation of IR Techniques", ACM TOIS; Kang and McAuley 2018.
    """

    _score = staticmethod(_ndcg)
    _default_name = "ndcg_at_{k}"
