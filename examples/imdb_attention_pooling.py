"""Sentiment of real movie reviews with `AttentionPooling`, and what it reads.

Trains a small classifier on the committed IMDB sample (`data/imdb_sample`:
2,000 training and 1,000 test reviews from the Large Movie Review Dataset,
Maas et al. 2011; see DATA_LICENSES.md) and shows which words the attention
looked at:

    tokens -> Embedding(mask_zero=True) -> Conv1D -> AttentionPooling -> Dense

1. Reads the CSV files with the `csv` module.
2. Builds a vocabulary on the training split only with
   `keras.layers.TextVectorization` (lowercase; `<br />`, apostrophes and
   punctuation removed) and turns every review into a fixed-length row of
   token ids (the first 400 tokens of a review). This is preprocessing, done
   once before training, so the model itself takes integer ids and is the
   same on every backend.
3. Trains for a few epochs (early stopping on 10% of the training split),
   then prints the accuracy on the 1,000 held-out test reviews (about 0.83
   on each backend).
4. For three test reviews (a positive and a negative one classified right,
   and one the model got wrong) prints the prediction, its probability and
   the most attended words, read from a second `keras.Model` that shares the
   layers and returns the pooling weights (`return_attention_scores=True`).
   The pooling reads the Conv1D features, so the weight at a word scores a
   3-word window centred on it: a filler word next to "wonderful" can rank
   high.
5. Writes `attention.png` (the words of those reviews, highlighted by weight)
   and `model.keras` to the output folder, reloads the model and checks that
   it gives the same predictions.

Run it from the repository root, on any backend (under a minute on 2 CPU
cores; `--quick` uses half the reviews and 4 epochs):

    make demo                                    # JAX by default
    KERAS_BACKEND=torch python -m examples.imdb_attention_pooling
    KERAS_BACKEND=tensorflow python -m examples.imdb_attention_pooling \\
        --quick --output runs/quick

Options: `--quick`, `--output DIR` (default `runs/demo`), `--seed N`.

The output folder is created if needed and nothing in it is deleted: the run
only replaces its own two files, each written to a temporary file first and
renamed when complete, so a failed run never leaves a partial file behind.
TextVectorization needs TensorFlow installed whatever the backend. On
PyTorch the run uses one CPU thread unless `OMP_NUM_THREADS` is set: on a
busy 2-core machine its default threads made training 12 times slower.
"""

import argparse
import contextlib
import csv
import os
import re
import sys
import tempfile
import time
import warnings
from pathlib import Path

import keras
import numpy as np
from keras import ops

from attention_zoo.layers import AttentionPooling

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "imdb_sample"
LABELS = ("neg", "pos")  # class 1 is "pos"

VOCAB_SIZE = 10_000
SEQUENCE_LENGTH = 400  # tokens kept from the start of each review
EMBEDDING_DIM = 32
CONV_FILTERS = 32
KERNEL_SIZE = 3
BATCH_SIZE = 32

FULL = {"train": None, "test": None, "epochs": 10}
QUICK = {"train": 1000, "test": 500, "epochs": 4}

TOP_WORDS = 8
SHOWN_TOKENS = 160  # tokens drawn per review in the picture


# Data ----------------------------------------------------------------------


def load_split(name, limit=None):
    """`(texts, labels)` of `data/imdb_sample/{name}.csv`, labels 0/1."""
    texts, labels = [], []
    path = DATA_DIR / f"{name}.csv"
    with open(path, newline="", encoding="utf-8") as file:
        for row in csv.DictReader(file):
            if row["label"] not in LABELS:
                raise ValueError(f"{path}: unknown label {row['label']!r}.")
            texts.append(row["text"])
            labels.append(LABELS.index(row["label"]))
            if limit is not None and len(texts) == limit:
                break
    return texts, np.array(labels, dtype="int32")


_LINE_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_APOSTROPHE = re.compile(r"['\u2019`]")
_PUNCTUATION = re.compile(r"[^\w\s]|_")


def clean_text(text):
    """Lowercase; `<br />` and punctuation become spaces, apostrophes go
    (`don't` -> `dont`), and whitespace runs become one space."""
    text = _LINE_BREAK.sub(" ", text.lower())
    text = _APOSTROPHE.sub("", text)
    return " ".join(_PUNCTUATION.sub(" ", text).split())


def _clean_array(texts):
    """`clean_text` over an array of `str` or UTF-8 `bytes`, same shape."""
    cleaned = [
        clean_text(t.decode("utf-8") if isinstance(t, bytes) else str(t))
        for t in texts.ravel()
    ]
    return np.array(cleaned, dtype=object).reshape(texts.shape)


def standardize(texts):
    """TextVectorization's `standardize`, the same on every backend.

    Keras 3.15 hands a callable `standardize` a NumPy array of `str` on JAX
    and PyTorch, and a `tf.string` tensor on TensorFlow (and on all backends
    in older versions). Both are cleaned by the same Python `clean_text`,
    so the vocabulary and the token ids do not depend on the backend.
    """
    if isinstance(texts, np.ndarray):
        return _clean_array(texts)
    import tensorflow as tf  # a tf.string tensor: TensorFlow is installed

    def clean_bytes(array):
        return np.array(
            [t.encode("utf-8") for t in _clean_array(array).ravel()],
            dtype=object,
        ).reshape(array.shape)

    cleaned = tf.numpy_function(clean_bytes, [texts], tf.string)
    cleaned.set_shape(texts.shape)
    return cleaned


def make_vectorizer(train_texts):
    """A TextVectorization whose vocabulary comes from `train_texts`."""
    vectorizer = keras.layers.TextVectorization(
        max_tokens=VOCAB_SIZE,
        standardize=standardize,
        split="whitespace",
        output_mode="int",
        output_sequence_length=SEQUENCE_LENGTH,
    )
    vectorizer.adapt(list(train_texts), batch_size=256)
    return vectorizer


def vectorize(vectorizer, texts, chunk=250):
    """`(len(texts), SEQUENCE_LENGTH)` int32 token ids, 0 = padding.

    Plain lists of `str` go in, a chunk at a time (a NumPy array of
    Python strings with non-ASCII characters trips Keras's NumPy path)."""
    rows = [
        ops.convert_to_numpy(vectorizer(list(texts[start : start + chunk])))
        for start in range(0, len(texts), chunk)
    ]
    return np.concatenate(rows).astype("int32")


def words_of(text):
    """The words of `text` at the positions of its token ids (what
    TextVectorization splits, before the vocabulary lookup, so words out
    of the vocabulary keep their spelling)."""
    return clean_text(text).split()[:SEQUENCE_LENGTH]


# Model ---------------------------------------------------------------------


def build_models(vocab_size):
    """The classifier, and an explainer sharing its layers that also
    returns the attention weights `(batch, SEQUENCE_LENGTH)`."""
    tokens = keras.Input((SEQUENCE_LENGTH,), dtype="int32", name="tokens")
    # Conv1D drops Keras masks (with a warning, silenced in `main`), so the
    # padding mask goes to the pooling explicitly; a keras.ops call on the
    # input keeps the model serializable (no Lambda).
    mask = ops.not_equal(tokens, 0)
    x = keras.layers.Embedding(
        vocab_size, EMBEDDING_DIM, mask_zero=True, name="embedding"
    )(tokens)
    # Padding embeds to zeros, so that the convolution's windows at the end
    # of a review see zeros there, as at its start, and not a learned vector.
    x = x * ops.expand_dims(ops.cast(mask, x.dtype), -1)
    x = keras.layers.Dropout(0.5, name="embedding_dropout")(x)
    x = keras.layers.Conv1D(
        CONV_FILTERS,
        KERNEL_SIZE,
        padding="same",
        activation="relu",
        name="conv",
    )(x)
    # One call returns both: a Keras functional graph cannot reuse a layer
    # with a different number of outputs (the second call's extra output
    # would be "not connected to inputs"), so the classifier simply leaves
    # the weights unused.
    pooled, weights = AttentionPooling(name="attention_pooling")(
        x, mask=mask, return_attention_scores=True
    )
    pooled = keras.layers.Dropout(0.5, name="pooled_dropout")(pooled)
    probability = keras.layers.Dense(
        1, activation="sigmoid", name="p_positive"
    )(pooled)
    classifier = keras.Model(tokens, probability, name="imdb_attention")
    explainer = keras.Model(tokens, [probability, weights], name="explainer")
    return classifier, explainer


# Output --------------------------------------------------------------------


@contextlib.contextmanager
def atomic_output(final_path):
    """Yields a temporary path next to `final_path`, renamed to it when the
    block succeeds and removed when it fails: an existing file is replaced
    only by a complete one, and nothing else in the folder is touched."""
    final_path = Path(final_path)
    handle, temporary = tempfile.mkstemp(
        dir=final_path.parent,
        prefix=f".{final_path.stem}-",
        suffix=final_path.suffix,
    )
    os.close(handle)
    try:
        yield temporary
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp made it private
        os.replace(temporary, final_path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temporary)
        raise


def top_words(words, weights, known, count=TOP_WORDS):
    """The `count` most attended distinct words, `[(word, weight)]`; words
    out of the vocabulary (the model saw `[UNK]`) are marked `(oov)`."""
    best = {}
    for word, weight, in_vocabulary in zip(words, weights, known, strict=True):
        word = word if in_vocabulary else f"{word} (oov)"
        best[word] = max(best.get(word, 0.0), float(weight))
    ranked = sorted(best.items(), key=lambda item: -item[1])
    return ranked[:count]


def draw_attention(path, examples):
    """Saves the words of each example on a background whose strength is its
    attention weight (scaled to the review's largest weight).

    `examples`: dicts with `title`, `words`, `weights`, `known` (whether
    each word is in the vocabulary; unknown ones are drawn in grey)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    font_size = 9
    char_width = 0.6 * font_size / 72  # inches, DejaVu Sans Mono
    line_height = 1.9 * font_size / 72
    width = 12.0
    margin = 0.25
    chars_per_line = int((width - 2 * margin) / char_width)

    layouts = []  # per example: lines of (column, word, weight, known)
    for example in examples:
        lines, line, column = [], [], 0
        shown = list(
            zip(
                example["words"],
                example["weights"],
                example["known"],
                strict=True,
            )
        )[:SHOWN_TOKENS]
        for word, weight, known in shown:
            if column + len(word) > chars_per_line and line:
                lines.append(line)
                line, column = [], 0
            line.append((column, word, weight, known))
            column += len(word) + 1
        if len(example["words"]) > SHOWN_TOKENS:
            line.append((column, "…", 0.0, True))
        lines.append(line)
        layouts.append(lines)

    rows = 2 + sum(len(lines) + 2.5 for lines in layouts)
    height = rows * line_height + 2 * margin
    figure = plt.figure(figsize=(width, height), dpi=110)
    colormap = plt.get_cmap("Reds")
    y = height - margin

    def place(x_inches, y_inches, text, **kwargs):
        figure.text(
            x_inches / width,
            y_inches / height,
            text,
            va="top",
            ha="left",
            fontsize=font_size,
            family="monospace",
            **kwargs,
        )

    place(
        margin,
        y,
        "AttentionPooling weights: the darker, the more weight (relative to "
        "the review's largest); grey words are out of the vocabulary",
        style="italic",
    )
    y -= 2 * line_height
    for example, lines in zip(examples, layouts, strict=True):
        place(margin, y, example["title"], weight="bold")
        y -= 1.4 * line_height
        top = max(example["weights"][:SHOWN_TOKENS], default=0.0) or 1.0
        for line in lines:
            for column, word, weight, known in line:
                strength = float(weight) / top
                if not known:
                    color = "0.5"
                elif strength > 0.6:
                    color = "white"
                else:
                    color = "black"
                place(
                    margin + column * char_width,
                    y,
                    word,
                    color=color,
                    bbox={
                        "facecolor": colormap(0.85 * strength),
                        "edgecolor": "none",
                        "pad": 0.6,
                    },
                )
            y -= line_height
        y -= 1.1 * line_height

    with atomic_output(path) as temporary:
        figure.savefig(temporary, format="png")
    plt.close(figure)


# Main ----------------------------------------------------------------------


def pick_examples(labels, predicted, lengths):
    """Test rows of a right positive, a right negative and a wrong review,
    the first of each short enough to be drawn whole (`lengths` in
    tokens), or the first at all when none is."""
    right = predicted == labels
    short = lengths <= SHOWN_TOKENS
    picks = []
    for wanted in (labels == 1) & right, (labels == 0) & right, ~right:
        candidates = np.flatnonzero(wanted & short)
        if not len(candidates):
            candidates = np.flatnonzero(wanted)
        if len(candidates):
            picks.append(int(candidates[0]))
    for index in range(len(labels)):  # fewer than three kinds found
        if len(picks) == 3:
            break
        if index not in picks:
            picks.append(index)
    return picks


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK['train']} training and {QUICK['test']} test reviews, "
        f"{QUICK['epochs']} epochs: a faster check, lower accuracy",
    )
    parser.add_argument(
        "--output",
        default="runs/demo",
        help="folder for attention.png and model.keras (default runs/demo)",
    )
    parser.add_argument("--seed", type=int, default=1337)
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    warnings.filterwarnings(
        "ignore", message=r"Layer 'conv' \(of type Conv1D\) was passed an"
    )
    started = time.perf_counter()

    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(args.seed)
    if (
        keras.backend.backend() == "torch"
        and "OMP_NUM_THREADS" not in os.environ
    ):
        import torch

        # This model's ops are small: one thread loses little when the CPU
        # is free, and PyTorch's threads stall when other work shares it
        # (151 s instead of 12 s of training, same accuracy).
        torch.set_num_threads(1)

    print(
        f"attention-zoo IMDB demo, Keras {keras.__version__}, backend "
        f"{keras.backend.backend()}{' (quick)' if args.quick else ''}"
    )
    train_texts, train_labels = load_split("train", settings["train"])
    test_texts, test_labels = load_split("test", settings["test"])
    print(
        f"data: {len(train_texts)} training and {len(test_texts)} test "
        f"reviews from {os.path.relpath(DATA_DIR)}"
    )

    vectorizer = make_vectorizer(train_texts)
    vocabulary = vectorizer.get_vocabulary()
    index_of = {word: i for i, word in enumerate(vocabulary)}
    train_ids = vectorize(vectorizer, train_texts)
    test_ids = vectorize(vectorizer, test_texts)
    truncated = np.mean(train_ids[:, -1] != 0)
    print(
        f"vocabulary: {len(vocabulary)} tokens (training split only); "
        f"{SEQUENCE_LENGTH} tokens per review, {truncated:.0%} of "
        "training reviews truncated"
    )

    classifier, explainer = build_models(len(vocabulary))
    classifier.compile(
        optimizer=keras.optimizers.Adam(2e-3),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    print(
        f"model: {classifier.count_params():,} parameters; training up to "
        f"{settings['epochs']} epochs"
    )
    fit_started = time.perf_counter()
    history = classifier.fit(
        train_ids,
        train_labels,
        batch_size=BATCH_SIZE,
        epochs=settings["epochs"],
        validation_split=0.1,
        callbacks=[
            keras.callbacks.EarlyStopping(
                monitor="val_loss", patience=2, restore_best_weights=True
            )
        ],
        verbose=2,
    )
    fit_seconds = time.perf_counter() - fit_started
    epochs_run = len(history.history["loss"])

    probabilities, weights = explainer.predict(
        test_ids, batch_size=256, verbose=0
    )
    probabilities = probabilities[:, 0]
    predicted = (probabilities > 0.5).astype("int32")
    accuracy = float(np.mean(predicted == test_labels))

    print()
    print("=" * 72)
    print(
        f"test accuracy: {accuracy:.3f} on {len(test_labels)} held-out "
        f"reviews ({epochs_run} epochs, {fit_seconds:.0f} s of training)"
    )
    print("=" * 72)

    examples = []
    kinds = {True: "right", False: "WRONG"}
    lengths = np.sum(test_ids != 0, axis=1)
    for index in pick_examples(test_labels, predicted, lengths):
        words = words_of(test_texts[index])
        ids = [index_of.get(word, 1) for word in words]  # 1 = "[UNK]"
        if ids != test_ids[index, : len(words)].tolist():
            raise RuntimeError(
                f"words of test review {index} do not line "
                "up with its token ids"
            )
        known = [i != 1 for i in ids]
        row_weights = weights[index, : len(words)]
        guess = LABELS[predicted[index]]
        truth = LABELS[test_labels[index]]
        title = (
            f"test review {index}: predicted {guess}, "
            f"P(pos) = {probabilities[index]:.2f}, true label {truth} "
            f"({kinds[guess == truth]})"
        )
        print()
        print(title)
        snippet = " ".join(test_texts[index].replace("<br />", " ").split())
        print(f'  "{snippet[:150]}{"..." if len(snippet) > 150 else ""}"')
        top = ", ".join(
            f"{w} {a:.3f}" for w, a in top_words(words, row_weights, known)
        )
        print(f"  most attended: {top}")
        examples.append(
            {
                "title": title,
                "words": words,
                "weights": [float(a) for a in row_weights],
                "known": known,
            }
        )

    picture = output / "attention.png"
    draw_attention(picture, examples)
    model_path = output / "model.keras"
    with atomic_output(model_path) as temporary:
        classifier.save(temporary)
    reloaded = keras.saving.load_model(model_path)
    again = reloaded.predict(test_ids, batch_size=256, verbose=0)[:, 0]
    difference = float(np.max(np.abs(again - probabilities)))
    same = bool(np.array_equal(again > 0.5, predicted == 1))
    same = same and difference < 1e-5

    print()
    print(f"wrote {picture} and {model_path}")
    print(
        f"reload check: {'OK' if same else 'FAILED'}, the reloaded model "
        f"gives {'the same' if same else 'different'} predictions on "
        f"{len(test_ids)} reviews (largest probability difference "
        f"{difference:.1e})"
    )
    print(f"total time: {time.perf_counter() - started:.0f} s")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
