"""How the text classifier is trained: compile defaults, the fit loop, and
what the shared command line needs (`APPLICATION`).

The loop a user would write:

    from applications.text_classifier import TextClassifier, data, recipe

    splits = data.load("data/imdb_sample/train.csv",
                       test_data="data/imdb_sample/test.csv")
    model = recipe.build(splits, attention="luong")   # compiled
    model.fit(splits.train_texts, recipe.encode(model, splits.train_labels),
              epochs=5, validation_split=0.1,
              callbacks=attention_zoo.callbacks.standard("runs/mine"))
    model.predict(["A wonderful film."])
"""

import numpy as np

from applications import _cli
from applications import _recipe
from applications._classifier import ClassifierApplication
from applications._classifier import encode
from applications.text_classifier import data as text_data
from applications.text_classifier.model import ATTENTIONS
from applications.text_classifier.model import TextClassifier
from attention_zoo.metrics import classification_metrics
from attention_zoo.recipes import SparseCategoricalCrossentropy
from attention_zoo.visualize import plot_text_attention
from attention_zoo.visualize import top_tokens

LEARNING_RATE = 2e-3
WEIGHT_DECAY = 0.01
VOCABULARY_SIZE = 20_000
SEQUENCE_LENGTH = 256
ATTENTION_PICTURES = 3
PICTURE_WORDS = 120


def optimizer(total_steps=None):
    """AdamW at `LEARNING_RATE`, decaying over `total_steps` if given
    (`applications._recipe.decaying_adamw`)."""
    return _recipe.decaying_adamw(LEARNING_RATE, WEIGHT_DECAY, total_steps)


def loss():
    return SparseCategoricalCrossentropy()


def metrics(num_classes):
    """Accuracy and macro precision, recall, F1, PR-AUC."""
    return classification_metrics(num_classes)


def build(
    splits,
    attention="bahdanau",
    vocabulary_size=VOCABULARY_SIZE,
    sequence_length=SEQUENCE_LENGTH,
    epochs=None,
    batch_size=32,
    **kwargs,
):
    """A compiled `TextClassifier` whose vocabulary and labels come from
    the training split of `splits` (a `data.TextData`); with `epochs`, the
    learning rate decays over that many epochs of `batch_size`."""
    model = TextClassifier(
        text_data.build_vocabulary(splits.train_texts, vocabulary_size),
        splits.labels,
        attention=attention,
        sequence_length=sequence_length,
        **kwargs,
    )
    steps = None
    if epochs:
        steps = _recipe.total_steps(len(splits.train_texts), batch_size, epochs)
    model.compile(optimizer=optimizer(steps))
    return model


class TextClassifierApplication(ClassifierApplication):
    model_class = TextClassifier
    name = "text_classifier"
    description = "Text classification with attention (IMDB or your files)."
    attention_choices = ATTENTIONS
    default_attention = "bahdanau"
    default_epochs = 5
    default_batch_size = 32
    data_help = (
        "'imdb' (downloaded), a folder train/<label>/*.txt + "
        "test/<label>/*.txt, a .tar.gz/.zip of one, or a .csv/.tsv with "
        "text and label columns"
    )
    input_help = "texts to classify"

    def add_arguments(self, parser, command):
        if command == "train":
            parser.add_argument(
                "--vocabulary-size",
                type=_cli.positive_int,
                default=VOCABULARY_SIZE,
            )
            parser.add_argument(
                "--sequence-length",
                type=_cli.positive_int,
                default=SEQUENCE_LENGTH,
            )

    def load_data(self, args):
        loaded = text_data.load(
            args.data,
            test_data=args.test_data,
            test_fraction=args.test_fraction,
            max_examples=args.max_examples,
            seed=args.seed,
        )
        labels = loaded.labels
        index = {label: i for i, label in enumerate(labels)}
        splits = _cli.Splits(
            loaded.train_texts,
            np.array([index[a] for a in loaded.train_labels], dtype="int32"),
            loaded.test_texts,
            np.array([index[a] for a in loaded.test_labels], dtype="int32"),
            info={"labels": labels},
        )
        splits.text_data = loaded
        return splits

    def build_model(self, args, splits):
        return build(
            splits.text_data,
            attention=args.attention,
            vocabulary_size=args.vocabulary_size,
            sequence_length=args.sequence_length,
            epochs=args.epochs,
            batch_size=args.batch_size,
        )

    def load_test_data(self, args, model):
        texts, labels = text_data.load_test(
            args.data, max_examples=args.max_examples, seed=args.seed
        )
        return texts, encode(model, labels, where=f"--data {args.data}")

    def predict(self, model, inputs, explain, top_k, verbose):
        probabilities, weights = model.explain(inputs, verbose=verbose)
        results = []
        for text, row, row_weights in zip(inputs, probabilities, weights):
            best = int(np.argmax(row))
            result = {
                "input": text,
                "label": model.labels[best],
                "probability": round(float(row[best]), 6),
                "probabilities": {
                    label: round(float(p), 6)
                    for label, p in zip(model.labels, row)
                },
            }
            if explain:
                words = model.words(text)
                result["attention"] = (
                    [
                        {"word": word, "weight": round(weight, 6)}
                        for word, weight in top_tokens(
                            words, row_weights[: len(words)], top_k
                        )
                    ]
                    if words
                    else []
                )
            results.append(result)
        return results

    def save_attention(self, model, splits, directory):
        directory.mkdir(parents=True, exist_ok=True)
        texts = list(splits.x_test[:ATTENTION_PICTURES])
        probabilities, weights = model.explain(texts)
        for i, text in enumerate(texts):
            words = model.words(text)[:PICTURE_WORDS]
            if not words:
                continue
            guess = int(np.argmax(probabilities[i]))
            truth = model.labels[int(splits.y_test[i])]
            figure = plot_text_attention(
                words,
                weights[i, : len(words)],
                path=directory / f"test_{i:03d}.png",
                title=(
                    f"test example {i}: predicted {model.labels[guess]} "
                    f"(p = {probabilities[i, guess]:.2f}), true {truth}"
                ),
            )
            figure.clf()


APPLICATION = TextClassifierApplication()
