"""What the two classifiers' command lines share: loading under the
shared split policy, held-out scoring, and attention pictures of the
first test examples.

Keras is imported inside the methods, when a command runs: `--help` and
argument errors answer without loading it."""

import numpy as np

from applications._runner.contract import Application
from applications._runner.contract import TrainingData
from applications._splits import validation_split


class ClassifierApplication(Application):
    """An `Application` whose model is a `Classifier`.

    Subclasses name their `data_module` (whose `load` reads `--data`
    under the shared split policy), and implement `read_test(args,
    model)` (`(inputs, class names)` to evaluate), `predict` and `draw`
    (one attention picture).
    """

    data_module = None  # the application's data.py (a property)
    attention_pictures = 8

    def load_options(self, args):
        """More keyword arguments of `data_module.load`."""
        return {}

    def read(self, args):
        """The `LabelledData` of `--data` (and `--test-data`)."""
        return self.data_module.load(
            args.data,
            test_data=args.test_data,
            test_fraction=args.test_fraction,
            max_examples=args.max_examples,
            seed=args.seed,
            **self.load_options(args),
        )

    def read_test(self, args, model):
        raise NotImplementedError

    def info(self, loaded):
        """More facts about `loaded` for `metrics.json`."""
        return {}

    def load_data(self, args):
        loaded = self.read(args)
        train, validation = validation_split((loaded.x_train, loaded.y_train))
        return TrainingData(
            train=train,
            validation=validation,
            test=(loaded.x_test, loaded.y_test),
            examples={
                "train": len(train[1]),
                "validation": 0 if validation is None else len(validation[1]),
                "test": len(loaded.y_test),
            },
            info={"labels": loaded.labels, **self.info(loaded)},
            loaded=loaded,
        )

    def load_test_data(self, args, model):
        from applications._classifier import encode

        inputs, names = self.read_test(args, model)
        return inputs, encode(model, names, source=str(args.data))

    def evaluate(self, model, test, args):
        """Accuracy and macro precision, recall, F1, PR-AUC."""
        from attention_zoo.metrics import classification_report

        x, y = test
        probabilities = model.predict(
            x, batch_size=getattr(args, "batch_size", None) or 64, verbose=0
        )
        report = classification_report(
            y, probabilities, num_classes=len(model.labels)
        )
        return {key: float(value) for key, value in report.items()}

    def draw(self, model, example, attention, title, path):
        """Draws the attention picture of one test example."""
        raise NotImplementedError

    def save_attention(self, model, data, directory):
        if not model.has_attention_map:
            return  # nothing to draw
        directory.mkdir(parents=True, exist_ok=True)
        x, y = data.test
        examples = x[: self.attention_pictures]
        probabilities, attention = model.explain(examples)
        for i, example in enumerate(examples):
            guess = int(np.argmax(probabilities[i]))
            title = (
                f"test example {i}: predicted {model.labels[guess]} "
                f"(p = {probabilities[i, guess]:.2f}), true "
                f"{model.labels[int(y[i])]}"
            )
            self.draw(
                model,
                example,
                attention[i],
                title,
                directory / f"test_{i:03d}.png",
            )
