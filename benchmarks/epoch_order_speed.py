"""Training speed of the runner's `EpochShuffled` batches against Keras's
own array input, on the text classifier.

Since Step 5 the applications' `train` batches in-memory data with
`attention_zoo.recipes.EpochShuffled` (a `keras.utils.PyDataset` whose
order of examples depends on the seed and the epoch alone, so a resumed
run repeats the uninterrupted one) instead of `fit(x, y, shuffle=True)`.
A `PyDataset` reaches TensorFlow through `tf.data.Dataset.from_generator`,
so this measures what that costs.

For the backend in `KERAS_BACKEND`: the text classifier (Bahdanau, the
recipe's sizes) on the committed 2,000-review sample, one warm-up epoch
each, then `--rounds` rounds of one epoch of each input in an order that
reverses every round. Reported: the median epoch seconds of each and
their ratio (EpochShuffled / arrays) within this run.

    KERAS_BACKEND=tensorflow .venv/bin/python benchmarks/epoch_order_speed.py
"""

import argparse
import json
import statistics
import time
from pathlib import Path

import keras
import numpy as np

from applications.text_classifier import data
from applications.text_classifier import recipe
from attention_zoo.recipes import EpochShuffled

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "imdb_sample"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()
    keras.utils.set_random_seed(0)
    splits = data.load(SAMPLE / "train.csv", test_data=SAMPLE / "test.csv")
    model = recipe.build(splits, attention="bahdanau", epochs=1)
    x = model.preprocess(splits.x_train)
    y = np.asarray(splits.y_train)
    shuffled = EpochShuffled(x, y, args.batch_size, seed=0)
    inputs = {
        "arrays": lambda: model.fit(
            x, y, batch_size=args.batch_size, shuffle=True, verbose=0
        ),
        "epoch_shuffled": lambda: model.fit(shuffled, shuffle=False, verbose=0),
    }
    for run in inputs.values():  # warm-up: compilation, pipelines
        run()
    seconds = {name: [] for name in inputs}
    order = list(inputs)
    for _ in range(args.rounds):
        for name in order:
            started = time.perf_counter()
            inputs[name]()
            seconds[name].append(time.perf_counter() - started)
        order.reverse()
    medians = {name: statistics.median(s) for name, s in seconds.items()}
    print(
        json.dumps(
            {
                "backend": keras.backend.backend(),
                "examples": len(y),
                "batch_size": args.batch_size,
                "epoch_seconds": {k: round(v, 3) for k, v in medians.items()},
                "ratio_epoch_shuffled_over_arrays": round(
                    medians["epoch_shuffled"] / medians["arrays"], 3
                ),
            }
        )
    )


if __name__ == "__main__":
    main()
