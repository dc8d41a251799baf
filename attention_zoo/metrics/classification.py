"""Classification metrics: accuracy, macro precision/recall/F1, PR-AUC.

Everything is computed by Keras metrics, so `classification_report` on a
held-out set gives the numbers `model.evaluate` reports with the metrics of
`classification_metrics`. Keras' own `F1Score` and `AUC` want one-hot
labels; the `Sparse*` classes below take the integer labels that a softmax
classifier trained with `sparse_categorical_crossentropy` is given.

Macro averages run over all `num_classes` classes, as in
`keras.metrics.F1Score(average="macro")`; this is scikit-learn's
`average="macro"` with `labels=range(num_classes)`. A class that is never
predicted has precision 0, a class with no example has recall 0.
"""

import keras
import numpy as np
from keras import ops


def _check_num_classes(num_classes):
    if (
        isinstance(num_classes, bool)
        or not isinstance(num_classes, (int, np.integer))
        or num_classes < 2
    ):
        raise ValueError(
            "`num_classes` must be an integer >= 2; received "
            f"num_classes={num_classes!r}."
        )
    return int(num_classes)


def _one_hot(labels, num_classes, dtype):
    labels = ops.convert_to_tensor(labels)
    labels = ops.cast(ops.reshape(labels, (-1,)), "int32")
    return ops.one_hot(labels, num_classes, dtype=dtype)


class _SparseClassCounts(keras.metrics.F1Score):
    """Keras' per-class true/false positive and false negative counts, fed
    with integer labels one-hot encoded to `num_classes`.

    The base of the `Sparse*` scores of these counts: a subclass sets its
    `_default_name`; `result` is F1 unless overridden (`_SparseRatio`).
    """

    _default_name = None

    def __init__(
        self,
        num_classes,
        average="macro",
        threshold=None,
        name=None,
        dtype=None,
    ):
        super().__init__(
            average=average,
            threshold=threshold,
            name=name or self._default_name,
            dtype=dtype,
        )
        self.num_classes = _check_num_classes(num_classes)
        # The width is known, so create the counts now rather than on the
        # first batch as `F1Score` does.
        self._build((None, self.num_classes), (None, self.num_classes))

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.convert_to_tensor(y_pred, dtype=self.dtype)
        if len(y_pred.shape) != 2 or y_pred.shape[-1] != self.num_classes:
            raise ValueError(
                f"`y_pred` must have shape (batch, {self.num_classes}) "
                "(num_classes); received y_pred with shape "
                f"{tuple(y_pred.shape)}."
            )
        y_true = _one_hot(y_true, self.num_classes, self.dtype)
        return super().update_state(y_true, y_pred, sample_weight)

    def get_config(self):
        config = super().get_config()
        config["num_classes"] = self.num_classes
        return config


class _SparseRatio(_SparseClassCounts):
    """A per-class ratio `TP_c / (TP_c + E_c)` (0 where the denominator is
    0), averaged as `F1Score` averages F1. A subclass returns the per-class
    error counts `E_c` from `_errors`."""

    def _errors(self):
        raise NotImplementedError

    def result(self):
        total = self.true_positives + self._errors()
        per_class = ops.divide(
            self.true_positives, total + keras.config.epsilon()
        )
        if self.average is None:
            return per_class
        if self.average == "micro":
            return ops.divide(
                ops.sum(self.true_positives),
                ops.sum(total) + keras.config.epsilon(),
            )
        if self.average == "weighted":
            support = self.intermediate_weights
            weights = support / (ops.sum(support) + keras.config.epsilon())
            return ops.sum(per_class * weights)
        return ops.mean(per_class)


@keras.saving.register_keras_serializable(package="attention_zoo")
class SparseF1Score(_SparseClassCounts):
    """`keras.metrics.F1Score` for integer labels and class probabilities.

    `F1_c = 2 P_c R_c / (P_c + R_c)` per class, averaged over classes
    (`"macro"`: the mean of the per-class F1, not the F1 of the mean P and
    R). The prediction is the argmax of `y_pred` (or `y_pred > threshold`).

    Args:
        num_classes: number of classes, at least 2.
        average: `None` (per class), `"micro"`, `"macro"` or `"weighted"`.
        threshold: `None` takes the argmax, a float thresholds each class.
        name: metric name, `"f1"` by default.
        dtype: dtype of the metric state.

    Call arguments:
        y_true: `(batch,)` or `(batch, 1)` integer labels.
        y_pred: `(batch, num_classes)` probabilities.
        sample_weight: optional `(batch,)` weights.

    Example:

    >>> metric = SparseF1Score(num_classes=2)
    >>> metric.update_state([0, 1, 1], [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    >>> round(float(metric.result()), 4)
    0.6667

    Reference: van Rijsbergen 1979, "Information Retrieval" (chapter 7).
    """

    _default_name = "f1"


@keras.saving.register_keras_serializable(package="attention_zoo")
class SparsePrecision(_SparseRatio):
    """Precision averaged over classes, for integer labels.

    `P_c = TP_c / (TP_c + FP_c)` (0 for a class never predicted), averaged
    as `SparseF1Score` averages F1; `"micro"` equals accuracy for
    single-label argmax predictions. `keras.metrics.Precision` has no
    multi-class average, hence this class.

    Args:
        num_classes, average, threshold, dtype: as in `SparseF1Score`.
        name: metric name, `"precision"` by default.

    Call arguments: as in `SparseF1Score`.

    Example:

    >>> metric = SparsePrecision(num_classes=2)
    >>> metric.update_state([0, 1, 1], [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    >>> round(float(metric.result()), 4)
    0.75
    """

    _default_name = "precision"

    def _errors(self):
        return self.false_positives


@keras.saving.register_keras_serializable(package="attention_zoo")
class SparseRecall(_SparseRatio):
    """Recall averaged over classes, for integer labels.

    `R_c = TP_c / (TP_c + FN_c)` (0 for a class with no example), averaged
    as `SparseF1Score` averages F1; macro recall is balanced accuracy.

    Args:
        num_classes, average, threshold, dtype: as in `SparseF1Score`.
        name: metric name, `"recall"` by default.

    Call arguments: as in `SparseF1Score`.

    Example:

    >>> metric = SparseRecall(num_classes=2)
    >>> metric.update_state([0, 1, 1], [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    >>> round(float(metric.result()), 4)
    0.75
    """

    _default_name = "recall"

    def _errors(self):
        return self.false_negatives


@keras.saving.register_keras_serializable(package="attention_zoo")
class SparsePRAUC(keras.metrics.AUC):
    """Area under the precision-recall curve, one-vs-rest, macro-averaged,
    for integer labels.

    `keras.metrics.AUC(curve="PR", multi_label=True)` on one-hot labels: a
    PR-AUC per class (class `c` positive, the others negative) from
    `num_thresholds` evenly spaced thresholds with the interpolation of
    Davis and Goadrich, then their mean. A class with no example in the
    data has no positives and scores 0, so evaluate on data covering every
    class. For a single sigmoid output use `keras.metrics.AUC(curve="PR")`.

    Args:
        num_classes: number of classes, at least 2.
        num_thresholds: number of thresholds in `[0, 1]`.
        name: metric name.
        dtype: dtype of the metric state.

    Call arguments:
        y_true: `(batch,)` or `(batch, 1)` integer labels.
        y_pred: `(batch, num_classes)` probabilities in `[0, 1]`.
        sample_weight: optional `(batch,)` weights.

    Example:

    >>> metric = SparsePRAUC(num_classes=2)
    >>> metric.update_state([0, 1, 1], [[0.9, 0.1], [0.2, 0.8], [0.3, 0.7]])
    >>> round(float(metric.result()), 4)
    1.0

    Reference: Davis and Goadrich 2006, "The Relationship Between
    Precision-Recall and ROC Curves", ICML.
    """

    def __init__(
        self, num_classes, num_thresholds=200, name="pr_auc", dtype=None
    ):
        num_classes = _check_num_classes(num_classes)
        super().__init__(
            num_thresholds=num_thresholds,
            curve="PR",
            multi_label=True,
            num_labels=num_classes,
            name=name,
            dtype=dtype,
        )
        self.num_classes = num_classes

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = _one_hot(y_true, self.num_classes, self.dtype)
        return super().update_state(y_true, y_pred, sample_weight)

    def get_config(self):
        return {
            "num_classes": self.num_classes,
            "num_thresholds": self.num_thresholds,
            "name": self.name,
            "dtype": self.dtype,
        }


def classification_metrics(num_classes):
    """Metrics for `model.compile(metrics=...)` of a softmax classifier
    trained on integer labels.

    Args:
        num_classes: number of classes, at least 2.

    Returns:
        A list: `SparseCategoricalAccuracy` named `"accuracy"`, then macro
        `SparsePrecision`, `SparseRecall`, `SparseF1Score` and
        `SparsePRAUC`, reported as `accuracy`, `precision`, `recall`, `f1`
        and `pr_auc` (the keys of `classification_report`).

    Example:

    >>> [metric.name for metric in classification_metrics(3)]
    ['accuracy', 'precision', 'recall', 'f1', 'pr_auc']
    """
    num_classes = _check_num_classes(num_classes)
    return [
        keras.metrics.SparseCategoricalAccuracy(name="accuracy"),
        SparsePrecision(num_classes),
        SparseRecall(num_classes),
        SparseF1Score(num_classes),
        SparsePRAUC(num_classes),
    ]


def _to_numpy(value, name):
    if not isinstance(value, (np.ndarray, list, tuple)):
        value = ops.convert_to_numpy(value)
    value = np.asarray(value)
    if value.ndim == 2 and value.shape[1] == 1:
        value = value[:, 0]
    if value.size == 0:
        raise ValueError(f"`{name}` must not be empty; received {value!r}.")
    return value


def _check_labels(name, labels, num_classes):
    if labels.ndim != 1 or labels.dtype.kind not in "iub":
        raise ValueError(
            f"`{name}` must be a 1D array of integer class labels; received "
            f"{name} with shape {labels.shape} and dtype {labels.dtype}."
        )
    if num_classes is not None and (
        labels.min() < 0 or labels.max() >= num_classes
    ):
        raise ValueError(
            f"`{name}` must hold labels in [0, {num_classes}); received "
            f"labels from {labels.min()} to {labels.max()}."
        )


def _result(metric, y_true, y_pred):
    metric.update_state(y_true, y_pred)
    return float(ops.convert_to_numpy(metric.result()))


def classification_report(
    y_true, y_pred, num_classes=None, threshold=0.5, num_thresholds=200
):
    """Accuracy, macro precision, recall, F1 and PR-AUC of a held-out set.

    `y_pred` may be:

    - integer labels `(n,)`: no PR-AUC;
    - float probabilities of the positive class `(n,)` or `(n, 1)` (a
      sigmoid output): the prediction is `p > threshold`, and `pr_auc` is
      the PR-AUC of the positive class (`keras.metrics.AUC(curve="PR")`);
    - float class probabilities `(n, C)` (a softmax output): the prediction
      is the argmax (first index on ties), and `pr_auc` is the one-vs-rest
      macro PR-AUC of `SparsePRAUC`.

    Precision, recall and F1 are macro averages over all `num_classes`
    classes (binary included), computed by the same Keras metrics as
    `classification_metrics`, so the numbers match `model.evaluate`.

    Args:
        y_true: `(n,)` integer labels.
        y_pred: predicted labels or probabilities, see above.
        num_classes: number of classes; inferred from the probabilities'
            width, 2 for a sigmoid output, else the largest label + 1 (pass
            it when a class may be missing from the data).
        threshold: decision threshold of a sigmoid output.
        num_thresholds: thresholds of the PR curve.

    Returns:
        A dict of floats with keys `accuracy`, `precision`, `recall`, `f1`
        and, for probabilities, `pr_auc`.

    Example:

    >>> report = classification_report([0, 1, 1, 0], [0, 1, 0, 0])
    >>> {key: round(value, 4) for key, value in report.items()}
    {'accuracy': 0.75, 'precision': 0.8333, 'recall': 0.75, 'f1': 0.7333}
    """
    y_true = _to_numpy(y_true, "y_true")
    y_pred = _to_numpy(y_pred, "y_pred")
    _check_labels("y_true", y_true, None)
    if y_pred.shape[0] != y_true.shape[0]:
        raise ValueError(
            "`y_true` and `y_pred` must have the same number of examples; "
            f"received {y_true.shape[0]} and {y_pred.shape[0]}."
        )
    probabilities = y_pred.dtype.kind == "f"
    if probabilities and (
        y_pred.ndim not in (1, 2)
        or np.isnan(y_pred).any()
        or y_pred.min() < 0
        or y_pred.max() > 1
    ):
        raise ValueError(
            "`y_pred` float values must be probabilities in [0, 1] of shape "
            "(n,) or (n, num_classes) (apply sigmoid or softmax to logits); "
            f"received y_pred with shape {y_pred.shape} and values from "
            f"{np.nanmin(y_pred)} to {np.nanmax(y_pred)}."
        )
    binary = probabilities and y_pred.ndim == 1
    if num_classes is None:
        if binary:
            num_classes = 2
        elif probabilities:
            num_classes = y_pred.shape[1]
        else:
            num_classes = int(max(y_true.max(), y_pred.max())) + 1
            num_classes = max(num_classes, 2)
    num_classes = _check_num_classes(num_classes)
    _check_labels("y_true", y_true, num_classes)
    if binary:
        labels = (y_pred > threshold).astype("int64")
        if num_classes != 2:
            raise ValueError(
                "A 1D float `y_pred` is a binary (sigmoid) output and needs "
                f"num_classes=2; received num_classes={num_classes}."
            )
    elif probabilities:
        if y_pred.shape[1] != num_classes:
            raise ValueError(
                f"`y_pred` must have {num_classes} columns (num_classes); "
                f"received y_pred with shape {y_pred.shape}."
            )
        labels = np.argmax(y_pred, axis=1)
    else:
        labels = y_pred
        _check_labels("y_pred", labels, num_classes)
    # One-hot predictions make the Keras metrics take exactly `labels`:
    # their own argmax would mark every tied maximum as predicted.
    predicted = np.eye(num_classes, dtype="float32")[labels]
    report = {
        "accuracy": _result(keras.metrics.Accuracy(), y_true, labels),
        "precision": _result(SparsePrecision(num_classes), y_true, predicted),
        "recall": _result(SparseRecall(num_classes), y_true, predicted),
        "f1": _result(SparseF1Score(num_classes), y_true, predicted),
    }
    if binary:
        report["pr_auc"] = _result(
            keras.metrics.AUC(curve="PR", num_thresholds=num_thresholds),
            y_true,
            y_pred,
        )
    elif probabilities:
        report["pr_auc"] = _result(
            SparsePRAUC(num_classes, num_thresholds=num_thresholds),
            y_true,
            y_pred,
        )
    return report
