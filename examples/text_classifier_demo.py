"""The main job: train the text classifier on real reviews, show what it
reads, keep the model and run it exported to TFLite with LiteRT.

`make demo` runs this from the repository root, offline, on any backend:

1. Trains `applications.text_classifier` (convolutional encoder with
   Bahdanau attention) on the committed IMDB sample (`data/imdb_sample`:
   2,000 training and 1,000 test reviews of the Large Movie Review
   Dataset, Maas et al. 2011; see DATA_LICENSES.md), through the same
   runner as `python -m applications.text_classifier train`, into
   `runs/demo` (`--output`): `model.keras`, `metrics.json`,
   `history.csv`, `attention/*.png`.
2. Prints the test accuracy on the 1,000 held-out reviews.
3. Predicts three raw held-out reviews (a positive and a negative one it
   gets right, and one it gets wrong), printing label, probability and
   the most-attended words, as `predict --explain` does.
4. Draws those three reviews, each word shaded by its attention weight,
   into `runs/demo/attention.png`.
5. Exports the model to TFLite through the runner's `export --format
   litert` (checked on 100 held-out reviews) into `runs/demo/export`,
   runs `model.tflite` on the three reviews with the LiteRT interpreter
   (`ai_edge_litert`), prints its label and probability next to the
   Keras model's, checks that the labels agree, and prints the file's
   size and its latency on one review.

A second run replaces the first one's model, and then its export, each
only once that step has succeeded (`--overwrite` of the runner).
`--quick` trains on half the reviews for 3 epochs.

    make demo
    KERAS_BACKEND=torch python -m examples.text_classifier_demo --quick
"""

import argparse
import csv
import json
import sys
import time
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
from ai_edge_litert.interpreter import Interpreter

from applications._runner import main as run_application
from applications._runner.commands import load_model
from applications.text_classifier.cli import APPLICATION
from attention_zoo.visualize import plot_text_attention

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "imdb_sample"
PICTURE_WORDS = 60


def read_reviews(path):
    with open(path, newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    return [row["text"] for row in rows], [row["label"] for row in rows]


def pick_reviews(model, texts, labels):
    """Indices of a right positive, a right negative and a wrong review."""
    predicted = np.argmax(model.predict(texts, verbose=0), axis=1)
    guesses = [model.labels[i] for i in predicted]
    picks = []
    for wanted in ("pos", "neg", None):
        for i, (guess, truth) in enumerate(zip(guesses, labels)):
            right = guess == truth
            if i not in picks and (
                (wanted is None and not right) or (wanted == truth and right)
            ):
                picks.append(i)
                break
    return picks


def draw_reviews(model, texts, titles, path):
    """The reviews' attention pictures, stacked into one PNG."""
    _, weights = model.explain(texts)
    rows = []
    for text, row, title in zip(texts, weights, titles):
        words = model.words(text)  # the positions the weights are over
        shown = words[:PICTURE_WORDS]
        figure = plot_text_attention(
            shown, row[: len(shown)], title=title, num_positions=len(words)
        )
        figure.canvas.draw()
        rows.append(np.asarray(figure.canvas.buffer_rgba())[..., :3])
        plt.close(figure)
    width = max(row.shape[1] for row in rows)
    padded = [
        np.pad(
            row,
            ((0, 0), (0, width - row.shape[1]), (0, 0)),
            constant_values=255,
        )
        for row in rows
    ]
    plt.imsave(path, np.concatenate(padded, axis=0))


def export_and_run_litert(model, output, texts, picks, results):
    """Exports `model` to TFLite and runs it on `texts` (test reviews
    `picks`, which Keras predicted as `results`) with LiteRT."""
    export = output / "export"
    status = run_application(
        APPLICATION,
        [
            "export",
            "--model",
            str(output / "model.keras"),
            "--output",
            str(export),
            "--format",
            "litert",
            "--data",
            str(SAMPLE / "test.csv"),
            "--max-examples",
            "100",
            "--overwrite",
        ],
    )
    if status:
        return status
    report = json.loads((export / "export_report.json").read_text())
    litert = report["formats"]["litert"]
    path = export / "model.tflite"
    print(
        f"\nLiteRT: {path}, {litert['files']['model.tflite'] / 1e6:.2f} MB, "
        f"{litert['batch_1_latency_ms']['litert']:.2f} ms per review"
    )
    run = Interpreter(model_path=str(path)).get_signature_runner()
    agree = True
    for text, i, result in zip(texts, picks, results):
        # The Keras preprocessor makes the ids; USAGE.md beside the file
        # shows how to make them without Keras (vocabulary.txt).
        ids = model.preprocessor([text])
        probabilities = run(token_ids=ids)["probabilities"][0]
        label = model.labels[int(np.argmax(probabilities))]
        agree &= label == result["label"]
        print(
            f"  test review {i}: LiteRT {label} "
            f"(p = {probabilities.max():.3f}), Keras {result['label']} "
            f"(p = {result['probability']:.3f})"
        )
    if not agree:
        print("LiteRT and Keras disagree on a label", file=sys.stderr)
        return 1
    print(f"LiteRT and Keras agree on the {len(texts)} labels")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", default="runs/demo")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    print(
        f"attention-zoo demo: text classifier on real IMDB reviews, Keras "
        f"{keras.__version__}, backend {keras.backend.backend()}"
    )
    train = [
        "train",
        "--data",
        str(SAMPLE / "train.csv"),
        "--test-data",
        str(SAMPLE / "test.csv"),
        "--output",
        args.output,
        "--attention",
        "bahdanau",
        "--overwrite",
    ]
    if args.quick:
        train += ["--epochs", "3", "--max-examples", "1000"]
    status = run_application(APPLICATION, train)
    if status:
        return status

    output = Path(args.output)
    metrics = json.loads((output / "metrics.json").read_text())
    print("=" * 72)
    print(
        f"test accuracy: {metrics['test']['accuracy']:.3f} on "
        f"{metrics['examples']['test']} held-out reviews "
        f"({metrics['epochs']} epochs, {metrics['train_seconds']:.0f} s of "
        "training)"
    )
    print("=" * 72)

    model = load_model(output / "model.keras")
    texts, labels = read_reviews(SAMPLE / "test.csv")
    picks = pick_reviews(model, texts, labels)
    chosen = [texts[i] for i in picks]
    titles = []
    results = APPLICATION.predict(
        model, chosen, argparse.Namespace(explain=True, top_k=6)
    )
    for i, result in zip(picks, results):
        verdict = "right" if result["label"] == labels[i] else "WRONG"
        titles.append(
            f"test review {i}: predicted {result['label']} "
            f"(p = {result['probability']:.2f}), true {labels[i]}, {verdict}"
        )
        snippet = " ".join(texts[i].replace("<br />", " ").split())
        print(f"\n{titles[-1]}")
        print(f'  "{snippet[:150]}{"..." if len(snippet) > 150 else ""}"')
        top = ", ".join(
            f"{item['word']} {item['weight']:.3f}"
            for item in result["attention"]
        )
        print(f"  most attended: {top}")
    picture = output / "attention.png"
    draw_reviews(model, chosen, titles, picture)
    print(f"\nwrote {picture} and {output / 'model.keras'}")
    status = export_and_run_litert(model, output, chosen, picks, results)
    if status:
        return status
    print(f"total time: {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
