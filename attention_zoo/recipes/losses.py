"""Cross-entropy for integer labels with label smoothing and padding."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="attention_zoo")
class SparseCategoricalCrossentropy(keras.losses.Loss):
    """Cross-entropy for integer labels, with label smoothing and padding.

    The target distribution is `(1 - eps) * one_hot(y) + eps / classes`
    (Szegedy et al. 2016, section 7) and the loss is
    `-sum_c target_c * log p_c`. Keras's own sparse cross-entropy has no
    label smoothing, and its categorical one needs one-hot labels.

    With `ignore_class` (a padding id), positions whose label equals it are
    left out, and the loss is the mean over the remaining positions of the
    whole batch: a batch of short sequences weighs each real token as much
    as a batch of long ones.

    Args:
        label_smoothing: `eps` in `[0, 1)`.
        from_logits: whether predictions are logits or probabilities.
        ignore_class: a label value to ignore (padding), or `None`.

    Example:

    >>> loss = SparseCategoricalCrossentropy(ignore_class=0)
    >>> y_true = keras.ops.convert_to_tensor([[2, 1, 0]])
    >>> y_pred = keras.ops.one_hot(keras.ops.convert_to_tensor([[2, 1, 1]]), 3)
    >>> round(float(loss(y_true, y_pred * 0.98 + 0.01)), 4)  # padding ignored
    0.0101
    """

    def __init__(
        self,
        label_smoothing=0.0,
        from_logits=False,
        ignore_class=None,
        name="sparse_categorical_crossentropy",
        **kwargs,
    ):
        if not 0.0 <= label_smoothing < 1.0:
            raise ValueError(
                "`label_smoothing` must be in [0, 1); received "
                f"label_smoothing={label_smoothing!r}."
            )
        super().__init__(name=name, **kwargs)
        self.label_smoothing = label_smoothing
        self.from_logits = from_logits
        self.ignore_class = ignore_class

    def call(self, y_true, y_pred):
        num_classes = y_pred.shape[-1]
        y_true = ops.cast(y_true, "int32")
        if len(y_true.shape) == len(y_pred.shape):
            y_true = ops.squeeze(y_true, -1)
        target = ops.one_hot(y_true, num_classes, dtype=y_pred.dtype)
        if self.label_smoothing:
            target = target * (1.0 - self.label_smoothing) + (
                self.label_smoothing / num_classes
            )
        if self.from_logits:
            log_probabilities = ops.log_softmax(y_pred, axis=-1)
        else:
            epsilon = keras.config.epsilon()
            log_probabilities = ops.log(ops.clip(y_pred, epsilon, 1.0))
        losses = -ops.sum(target * log_probabilities, axis=-1)
        if self.ignore_class is None:
            return losses
        keep = ops.cast(ops.not_equal(y_true, self.ignore_class), losses.dtype)
        # The default reduction divides by the number of positions; scaling
        # by positions / real tokens makes the result the mean over real
        # tokens, and keeps Keras's per-replica averaging under
        # `data_parallel()` (each replica averages over its own tokens).
        positions = ops.sum(ops.ones_like(keep))
        return losses * keep * positions / ops.maximum(ops.sum(keep), 1.0)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "label_smoothing": self.label_smoothing,
                "from_logits": self.from_logits,
                "ignore_class": self.ignore_class,
            }
        )
        return config


@keras.saving.register_keras_serializable(package="attention_zoo")
class MaskedAccuracy(keras.metrics.Metric):
    """Token accuracy that skips padding: `correct real tokens / real tokens`.

    Args:
        ignore_class: the padding label, left out of both counts.
    """

    def __init__(self, ignore_class=0, name="masked_accuracy", **kwargs):
        super().__init__(name=name, **kwargs)
        self.ignore_class = ignore_class
        self.correct = self.add_variable(
            (), initializer="zeros", name="correct"
        )
        self.total = self.add_variable((), initializer="zeros", name="total")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = ops.cast(y_true, "int32")
        if len(y_true.shape) == len(y_pred.shape):
            y_true = ops.squeeze(y_true, -1)
        predicted = ops.cast(ops.argmax(y_pred, axis=-1), "int32")
        keep = ops.cast(ops.not_equal(y_true, self.ignore_class), "float32")
        if sample_weight is not None:
            keep = keep * ops.cast(sample_weight, "float32")
        correct = ops.cast(ops.equal(y_true, predicted), "float32") * keep
        self.correct.assign_add(ops.sum(correct))
        self.total.assign_add(ops.sum(keep))

    def result(self):
        return self.correct / ops.maximum(self.total, 1.0)

    def reset_state(self):
        self.correct.assign(0.0)
        self.total.assign(0.0)

    def get_config(self):
        return {**super().get_config(), "ignore_class": self.ignore_class}
