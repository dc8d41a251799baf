"""MovieLens next-item ranking of the recommender's variants, its
baselines and the keras.io SASRec example, each trained for the same
wall-clock budget on the same leave-one-out split.

Data: `--data` (default `../shared/data/movielens/ml-latest-small.zip`),
read by `applications.recommender.data.load` (items with fewer than 5
ratings dropped, histories ordered by time; each user's last item tests,
the one before validates).

Ours: `applications.recommender.recipe.build` for each variant, trained
as `train` trains (its training arrays and loss), the five ranking
metrics of the validation items after every epoch, the weights of the
epoch with the best validation full-catalogue NDCG@10 kept.
`keras_io_sasrec`: `benchmarks/keras_io_sasrec.py`, trained and selected
the same way. Everything is scored once on the test items by
`applications.recommender.ranking.evaluate`: HR@10 and NDCG@10 among the
same 100 sampled unseen items for every model, over the whole catalogue
(seen items left out), and MRR.

    KERAS_BACKEND=tensorflow python -m benchmarks.recommendation_accuracy
    ... --models popularity,mf,multi_head,keras_io_sasrec --minutes 10

Prints one JSON object per model as it finishes, then a Markdown table.
"""

import argparse
import time
from pathlib import Path

import keras

from applications.recommender import data as recommender_data
from applications.recommender import recipe
from applications.recommender.ranking import RankingEvaluator
from applications.recommender.ranking import evaluate
from attention_zoo.callbacks import EpochSeeds
from attention_zoo.recipes import EpochShuffled
from benchmarks import keras_io_sasrec
from benchmarks.report import print_row
from benchmarks.time_budget import TimeBudget

DEFAULT_DATA = (
    Path(__file__).resolve().parents[2]
    / "shared/data/movielens/ml-latest-small.zip"
)
METRICS = ("hr@10", "ndcg@10", "full_hr@10", "full_ndcg@10", "mrr")
MONITOR = "val_full_ndcg@10"


def build(name, splits, seed):
    if name == "keras_io_sasrec":
        preprocessor = recipe.build_preprocessor(splits, 200)
        model = keras_io_sasrec.build(preprocessor)
        x, y = keras_io_sasrec.training_arrays(model, splits, seed)
        return model, x, y, keras_io_sasrec.BATCH_SIZE
    model = recipe.build(splits, attention=name, seed=seed)
    x, y = recipe.training_arrays(model, splits)
    return model, x, y, 32


def train(name, splits, seconds, seed):
    keras.utils.set_random_seed(seed)
    model, x, y, batch_size = build(name, splits, seed)
    validation = recommender_data.held_out(splits, "validation")
    budget = TimeBudget(seconds, monitor=MONITOR, mode="max")
    batches = EpochShuffled(x, y, batch_size, seed)
    model.fit(
        batches,
        epochs=10_000,
        callbacks=[
            EpochSeeds(seed, data=batches),
            RankingEvaluator(validation),
            budget,
        ],
        shuffle=False,
        verbose=2,
    )
    return model, {
        "epochs": budget.epochs,
        "best_epoch": budget.best_epoch,
        "best_validation_full_ndcg@10": round(-budget.best_value, 4),
        "train_seconds": round(budget.train_seconds, 1),
        "steps": int(model.optimizer.iterations),
        "parameters": model.count_params(),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument(
        "--models",
        default="popularity,mf,multi_head,keras_io_sasrec,cosine,bahdanau,"
        "luong",
    )
    parser.add_argument("--seed", type=int, default=1337)
    args = parser.parse_args()

    splits = recommender_data.load(args.data, seed=args.seed)
    recommender_data.check_catalogue(splits)
    test = recommender_data.held_out(splits, "test")
    rows = []
    for name in args.models.split(","):
        started = time.perf_counter()
        model, run = train(name, splits, args.minutes * 60, args.seed)
        metrics = evaluate(model, test)
        rows.append(
            {
                "model": name,
                **metrics,
                **run,
                "backend": keras.backend.backend(),
                "users": len(splits.users),
                "items": model.preprocessor.item_count,
                "seconds": round(time.perf_counter() - started, 1),
            }
        )
        print_row(rows[-1])
    print("\n| model | " + " | ".join(METRICS) + " | epochs (best) | train s |")
    print("|---|" + "---|" * (len(METRICS) + 2))
    for row in rows:
        values = " | ".join(f"{row[name]:.4f}" for name in METRICS)
        print(
            f"| {row['model']} | {values} | {row['epochs']} "
            f"({row['best_epoch']}) | {row['train_seconds']:.0f} |"
        )


if __name__ == "__main__":
    main()
