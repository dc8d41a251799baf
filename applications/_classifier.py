"""What the two classifiers share on the model side: the task whose head
turns the backbone's pooled features into class probabilities, its
compile defaults, `explain`, and class names to indices."""

import keras
import numpy as np
from keras import layers

from applications._recipe import decaying_adamw
from applications._splits import shown
from applications._task import Task
from applications.errors import DataError
from attention_zoo.metrics import classification_metrics
from attention_zoo.recipes import SparseCategoricalCrossentropy


class Classifier(Task):
    """`p = softmax(W dropout(f) + b)` of the backbone's features `f`.

    The backbone returns a dict: `"features"` `(batch, dim)` and, where
    its attention can be shown, `"attention"` (weights over tokens or a
    map over the image), which `explain` returns with the
    probabilities. Subclasses set the compile defaults `learning_rate`,
    `weight_decay` and `label_smoothing`.

    Args:
        backbone: the application's backbone.
        preprocessor: its preprocessor (or `None` for backbone inputs).
        labels: the class names, class `i` being `labels[i]`.
        dropout: dropout rate before the softmax layer.
    """

    learning_rate = 1e-3
    weight_decay = 0.01
    label_smoothing = 0.0

    def __init__(self, backbone, preprocessor, labels, dropout=0.2, **kwargs):
        labels = [str(label) for label in labels]
        if len(labels) < 2 or len(set(labels)) != len(labels):
            raise ValueError(
                "`labels` must hold at least 2 distinct class names; "
                f"received labels={labels!r}."
            )
        inputs = backbone.input
        outputs = backbone(inputs)
        features = layers.Dropout(
            dropout, dtype=backbone.dtype_policy, name="head_dropout"
        )(outputs["features"])
        probabilities = layers.Dense(
            len(labels),
            activation="softmax",
            dtype="float32",
            name="probabilities",
        )(features)
        super().__init__(
            inputs=inputs,
            outputs=probabilities,
            backbone=backbone,
            preprocessor=preprocessor,
            **kwargs,
        )
        self.labels = labels
        self.dropout = dropout
        attention = outputs.get("attention")
        # Untracked (plain __dict__): not a layer, not saved.
        self.__dict__["_explainer"] = (
            None
            if attention is None
            else keras.Model(inputs, [probabilities, attention])
        )

    def default_optimizer(self, total_steps=None):
        """AdamW, decaying over `total_steps` if given
        (`applications._recipe.decaying_adamw`)."""
        return decaying_adamw(
            self.learning_rate, self.weight_decay, total_steps
        )

    def default_loss(self):
        return SparseCategoricalCrossentropy(
            label_smoothing=self.label_smoothing
        )

    def default_metrics(self):
        """Accuracy and macro precision, recall, F1, PR-AUC."""
        return classification_metrics(len(self.labels))

    @property
    def has_attention_map(self):
        return self._explainer is not None

    def explain(self, x, batch_size=64, verbose=0):
        """`(probabilities, attention)` of raw inputs: class probabilities
        `(n, classes)` and the backbone's attention (see its docstring)."""
        if self._explainer is None:
            raise ValueError(
                f"{type(self.backbone).__name__} with attention="
                f"{self.backbone.attention!r} has no attention map; train "
                "with another attention to explain."
            )
        return self._explainer.predict(
            self.preprocess(x), batch_size=batch_size, verbose=verbose
        )

    def get_config(self):
        return {
            **super().get_config(),
            "labels": list(self.labels),
            "dropout": self.dropout,
        }

    @classmethod
    def from_config(cls, config):
        if "backbone" not in config:
            raise ValueError(
                f"this {cls.__name__} was saved by an older version; train "
                "it again (no 'backbone' in its config)"
            )
        return super().from_config(config)


def encode(model, labels, source="the data"):
    """Class indices `(n,)` int32 of class names, in `model.labels`."""
    index = {label: i for i, label in enumerate(model.labels)}
    unknown = sorted(set(labels) - set(index))
    if unknown:
        raise DataError(
            f"label(s) {shown(unknown)} of {source} are not classes of the "
            f"model; expected labels among {shown(model.labels)}"
        )
    return np.array([index[label] for label in labels], dtype="int32")
