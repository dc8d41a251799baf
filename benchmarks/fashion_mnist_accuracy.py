"""Fashion-MNIST test accuracy of the image classifier with CBAM, and the
same network without attention, trained in the same run.

Data: Fashion-MNIST (Xiao et al. 2017), 60,000 training and 10,000 test
images, through the application's loader (`--data fashion_mnist`, the
Keras cache). Where the cache lacks it and `../shared/data/fashion-mnist`
holds the original files, a temporary `KERAS_HOME` points at those.

Each model is the application's (`applications.image_classifier.recipe.
build`: residual CNN, horizontal flips, AdamW with the learning rate
decayed over `--epochs`, label smoothing 0.1), trains on 54,000 images
(the other 6,000 choose the epoch with the lowest validation loss,
`time_budget.py`) for `--epochs` or at most `--minutes`, and is scored
once on the 10,000 test images.

    KERAS_BACKEND=tensorflow .venv/bin/python -m \\
        benchmarks.fashion_mnist_accuracy
    ... --minutes 1 --max-examples 2000    # a quick look

Prints one JSON object per model as it finishes, then a Markdown table.
"""

import os
import tempfile
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared/data/fashion-mnist"
CACHE = Path(os.environ.get("KERAS_HOME", "~/.keras")).expanduser()
if (SHARED / "train-images-idx3-ubyte.gz").is_file() and not (
    CACHE / "datasets/fashion-mnist/train-images-idx3-ubyte.gz"
).is_file():
    home = Path(tempfile.mkdtemp(prefix="keras_home_"))
    (home / "datasets/fashion-mnist").mkdir(parents=True)
    for path in SHARED.glob("*-ubyte.gz"):
        (home / "datasets/fashion-mnist" / path.name).symlink_to(path)
    os.environ["KERAS_HOME"] = str(home)  # before Keras reads it

import argparse  # noqa: E402
import time  # noqa: E402

import keras  # noqa: E402

from applications.image_classifier import data  # noqa: E402
from applications.image_classifier import recipe  # noqa: E402
from attention_zoo.metrics import classification_report  # noqa: E402
from benchmarks.report import print_row  # noqa: E402
from benchmarks.report import print_table  # noqa: E402
from benchmarks.time_budget import fit_within  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default="fashion_mnist")
    parser.add_argument("--models", default="cbam,none")
    parser.add_argument("--minutes", type=float, default=20.0)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--max-examples", type=int, default=None)
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument(
        "--save-dir", help="also save each model as DIR/<attention>.keras"
    )
    args = parser.parse_args()

    started = time.perf_counter()
    splits = data.load(
        args.data, max_examples=args.max_examples, seed=args.seed
    )
    load_seconds = time.perf_counter() - started
    rows = []
    for attention in args.models.split(","):
        keras.utils.set_random_seed(args.seed)
        model = recipe.build(
            splits,
            attention=attention,
            epochs=args.epochs,
            batch_size=args.batch_size,
        )
        run = fit_within(
            model,
            splits.x_train,
            splits.y_train,
            args.minutes * 60,
            args.batch_size,
            max_epochs=args.epochs,
        )
        probabilities = model.predict(splits.x_test, batch_size=256, verbose=0)
        report = classification_report(
            splits.y_test, probabilities, num_classes=len(splits.labels)
        )
        row = {
            "model": attention,
            "accuracy": round(float(report["accuracy"]), 4),
            "f1": round(float(report["f1"]), 4),
            **run,
            "parameters": model.count_params(),
            "backend": keras.backend.backend(),
            "train": len(splits.y_train),
            "test": len(splits.y_test),
            "load_seconds": round(load_seconds, 1),
        }
        rows.append(row)
        if args.save_dir:
            Path(args.save_dir).mkdir(parents=True, exist_ok=True)
            model.save(Path(args.save_dir) / f"{attention}.keras")
        print_row(row)
    print_table(rows, "attention")


if __name__ == "__main__":
    main()
