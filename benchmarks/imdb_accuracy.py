"""IMDB test accuracy of the text classifier's variants, each trained
within a wall-clock budget, against the keras.io Transformer example.

Data: the Large Movie Review Dataset (25,000 training and 25,000 test
reviews), read from `--data` (default `../shared/data/imdb/
aclImdb_labeled.tar.gz`; `imdb` downloads it). Every model trains on the
same 22,500 reviews (the other 2,500 choose the epoch with the lowest
validation loss, `time_budget.py`) and is scored once on the 25,000 test
reviews. Our variants train for the epochs of `EPOCHS` with the
application's recipe (AdamW, learning rate decayed to zero over those
epochs) and stop early if they reach `--minutes`; the reference trains
for the whole `--minutes`, at least as long as any of ours.

The reference is the model of the keras.io example "Text classification
with Transformer" (Nandan 2020): token and position embeddings (20,000
words, 200 tokens, width 32), one Transformer block (2 heads of
`keras.layers.MultiHeadAttention`, feed-forward width 32, dropout 0.1),
average pooling, Dense(20, relu), softmax; Adam at 1e-3, batch 32. It
keeps, as the example does (`pad_sequences` defaults), the last 200 words
of each review, padded at the front. It sees our vocabulary and tokenization, so
only the models differ.

    KERAS_BACKEND=tensorflow .venv/bin/python -m benchmarks.imdb_accuracy
    ... --minutes 1 --max-examples 2000    # a quick look

Prints one JSON object per model as it finishes, then a Markdown table.
"""

import argparse
import time
from pathlib import Path

import keras
import numpy as np
from keras import layers

from applications.text_classifier import data as text_data
from applications.text_classifier import recipe
from applications.text_classifier.model import ATTENTIONS
from applications.text_classifier.preprocessor import split_words
from attention_zoo.metrics import classification_report
from benchmarks.report import print_row
from benchmarks.report import print_table
from benchmarks.time_budget import fit_within

DEFAULT_DATA = (
    Path(__file__).resolve().parents[2]
    / "shared/data/imdb/aclImdb_labeled.tar.gz"
)
REFERENCE = "keras.io Transformer"
# Epochs each of our variants plans its learning-rate decay over; the
# Transformer's epochs are 6x slower at 400 tokens on a CPU.
EPOCHS = {"bahdanau": 3, "luong": 3, "cosine": 3, "multi_head": 2}
REFERENCE_LENGTH = 200


def reference_model(vocabulary_size, length=REFERENCE_LENGTH):
    """The keras.io "Text classification with Transformer" architecture."""
    embed_dim, num_heads, ff_dim, rate = 32, 2, 32, 0.1
    token_ids = keras.Input((length,), dtype="int32")
    x = layers.Embedding(vocabulary_size, embed_dim)(token_ids)
    x = x + layers.Embedding(length, embed_dim)(np.arange(length))
    attended = layers.MultiHeadAttention(num_heads, key_dim=embed_dim)(x, x)
    x = layers.LayerNormalization(epsilon=1e-6)(
        x + layers.Dropout(rate)(attended)
    )
    hidden = layers.Dense(ff_dim, activation="relu")(x)
    hidden = layers.Dense(embed_dim)(hidden)
    x = layers.LayerNormalization(epsilon=1e-6)(
        x + layers.Dropout(rate)(hidden)
    )
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dropout(rate)(x)
    x = layers.Dense(20, activation="relu")(x)
    x = layers.Dropout(rate)(x)
    outputs = layers.Dense(2, activation="softmax")(x)
    model = keras.Model(token_ids, outputs)
    model.compile(
        "adam", "sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    return model


def last_words_ids(preprocessor, texts, length=REFERENCE_LENGTH):
    """Ids of the last `length` words, padded at the front (the example's
    `pad_sequences` defaults), in `preprocessor`'s vocabulary."""
    index = {w: i for i, w in enumerate(preprocessor.vocabulary, start=2)}
    ids = np.zeros((len(texts), length), dtype="int32")
    for row, text in enumerate(texts):
        tokens = [index.get(w, 1) for w in split_words(text)]
        tokens = tokens[-length:]
        if tokens:
            ids[row, -len(tokens) :] = tokens
    return ids


def score(model, x, y):
    probabilities = model.predict(x, batch_size=256, verbose=0)
    report = classification_report(y, probabilities, num_classes=2)
    return {key: round(float(report[key]), 4) for key in ("accuracy", "f1")}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--minutes", type=float, default=15.0)
    parser.add_argument(
        "--models",
        default=",".join((*ATTENTIONS, "reference")),
        help="comma-separated variants, 'reference' for keras.io's",
    )
    parser.add_argument("--max-examples", type=int, default=None)
    parser.add_argument("--sequence-length", type=int, default=400)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=1337)
    args = parser.parse_args()

    started = time.perf_counter()
    splits = text_data.load(
        args.data, max_examples=args.max_examples, seed=args.seed
    )
    load_seconds = time.perf_counter() - started
    rows = []
    for name in args.models.split(","):
        keras.utils.set_random_seed(args.seed)
        attention = "bahdanau" if name == "reference" else name
        epochs = EPOCHS.get(name, 1000)
        model = recipe.build(
            splits,
            attention=attention,
            sequence_length=args.sequence_length,
            epochs=epochs,
            batch_size=args.batch_size,
        )
        y_train, y_test = splits.y_train, splits.y_test
        preprocessor = model.preprocessor
        if name == "reference":
            x_train = last_words_ids(preprocessor, splits.x_train)
            x_test = last_words_ids(preprocessor, splits.x_test)
            model = reference_model(preprocessor.vocabulary_size)
        else:
            x_train = preprocessor(splits.x_train)
            x_test = preprocessor(splits.x_test)
        run = fit_within(
            model,
            x_train,
            y_train,
            args.minutes * 60,
            args.batch_size,
            max_epochs=epochs,
        )
        row = {
            "model": REFERENCE if name == "reference" else name,
            **score(model, x_test, y_test),
            **run,
            "parameters": model.count_params(),
            "backend": keras.backend.backend(),
            "train": len(y_train),
            "test": len(y_test),
            "load_seconds": round(load_seconds, 1),
        }
        rows.append(row)
        print_row(row)
    print_table(rows, "model")


if __name__ == "__main__":
    main()
