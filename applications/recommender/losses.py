"""The recommender's sampled training losses, for scores `(batch, 1 + K)`
whose first column is the true next item and the rest sampled negatives.
"""

import keras
import keras_rs
from keras import ops

# KerasRS's pairwise logistic loss, `sum_j log(1 + exp(-(s_+ - s_j)))`
# over the pairs the labels order: BPR (Rendle et al. 2009) with one
# positive per row.
_PAIRWISE_LOGISTIC = keras_rs.losses.PairwiseLogisticLoss()


@keras.saving.register_keras_serializable(package="applications")
def positive_first_cross_entropy(y_true, y_pred):
    """Sampled softmax (Jean et al. 2015): `-log softmax(y_pred)[:, 0]`
    per row; `y_true` is ignored (the positive is column 0)."""
    del y_true
    return -ops.log_softmax(ops.cast(y_pred, "float32"), axis=-1)[:, 0]


@keras.saving.register_keras_serializable(package="applications")
def masked_positive_first_cross_entropy(y_true, y_pred):
    """The sampled softmax of every position of `y_pred` `(batch, length,
    1 + K)`, averaged over the positions whose next item `y_true`
    `(batch, length)` is not 0 (padding)."""
    losses = -ops.log_softmax(ops.cast(y_pred, "float32"), axis=-1)[..., 0]
    weights = ops.cast(ops.not_equal(y_true, 0), "float32")
    return ops.divide_no_nan(ops.sum(losses * weights), ops.sum(weights))


@keras.saving.register_keras_serializable(package="applications")
def bpr_loss(y_true, y_pred):
    """Bayesian personalized ranking (Rendle et al. 2009) of the positive
    (column 0) over each negative, by `keras_rs.losses.
    PairwiseLogisticLoss`; `y_true` is ignored."""
    del y_true
    y_pred = ops.cast(y_pred, "float32")
    labels = ops.one_hot(ops.zeros_like(y_pred[:, 0], "int32"), y_pred.shape[1])
    return _PAIRWISE_LOGISTIC(labels, y_pred)
