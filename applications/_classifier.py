"""What the two classifiers share: compile defaults taken from their
recipe, class names to indices, and held-out scoring."""

import importlib

import keras
import numpy as np
from keras import saving

from applications import _cli
from attention_zoo.metrics import classification_report


class RecipeDefaults:
    """Mixin for a `keras.Model` with `labels`: `compile()` with no
    arguments applies the recipe's defaults, `recipe.optimizer()`,
    `recipe.loss()`, `recipe.metrics(len(labels))`, from the module
    `recipe_module`; a loaded model is compiled the same way."""

    recipe_module = None  # "applications.<app>.recipe"

    def compile(self, optimizer="auto", loss="auto", metrics="auto", **kwargs):
        recipe = importlib.import_module(self.recipe_module)
        if isinstance(optimizer, str) and optimizer == "auto":
            optimizer = recipe.optimizer()
        if isinstance(loss, str) and loss == "auto":
            loss = recipe.loss()
        if isinstance(metrics, str) and metrics == "auto":
            metrics = recipe.metrics(len(self.labels))
        keras.Model.compile(
            self, optimizer=optimizer, loss=loss, metrics=metrics, **kwargs
        )

    def compile_from_config(self, config):
        # Keras skips compiling a loaded model whose `compile` is
        # overridden; ours takes the standard arguments, so do it.
        config = saving.deserialize_keras_object(config)
        self.compile(**config)
        if self.built:
            self.optimizer.build(self.trainable_variables)


def encode(model, labels, where="--data"):
    """Class indices `(n,)` int32 of class names, in `model.labels`."""
    index = {label: i for i, label in enumerate(model.labels)}
    unknown = sorted(set(labels) - set(index))
    if unknown:
        raise _cli.UsageError(
            f"label(s) {', '.join(map(repr, unknown[:5]))} of {where} are "
            "not classes of the model; expected labels among "
            f"{', '.join(map(repr, model.labels))}"
        )
    return np.array([index[label] for label in labels], dtype="int32")


class ClassifierApplication(_cli.Application):
    """An `Application` whose model is a `model_class` classifier."""

    model_class = None

    def check_model(self, model):
        if not isinstance(model, self.model_class):
            raise _cli.UsageError(
                f"--model holds a {type(model).__name__}; expected a "
                f"{self.model_class.__name__} saved by {self.name} train"
            )

    def evaluate(self, model, x, y, verbose):
        """Accuracy and macro precision, recall, F1, PR-AUC."""
        probabilities = model.predict(x, batch_size=64, verbose=verbose)
        report = classification_report(
            y, probabilities, num_classes=len(model.labels)
        )
        return {key: float(value) for key, value in report.items()}
