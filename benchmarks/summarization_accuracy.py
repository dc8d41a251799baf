"""DialogSum ROUGE of the summarizer's variants against the Lead baseline,
each variant trained for the same wall-clock budget.

Data: DialogSum (`--data`, default `../shared/data/dialogsum/
DialogSum_Data.zip`) with its own splits (12,460 train, 500 dev, 500
test dialogues with three reference summaries each), read by
`applications.summarizer.data.load`.

Ours: `applications.summarizer.recipe.build` for each `--attention`,
trained as `train` trains (batches of similar lengths, label smoothing,
AdamW with warmup and a cosine decay planned over the steps that fit
the budget, ROUGE-L of greedy decoding on 200 validation dialogues
after every epoch, the weights of the best epoch kept). Scored once on
the test dialogues with each of `--decodings`: greedy decoding, the
summarizer's default (greedy, never repeating 4 subwords, chosen on the
dev split by `summarization_decoding.py`) and beam search (width 4).
`--save DIR` keeps the trained models; `--load DIR` scores them again
without training.

Lead: each test dialogue's first turns, as many as fit the average
training summary's length in words (`applications.summarizer.lead`).

Scores: rouge-score F1 x 100 with stemming, the best over the three
references (and the mean over them, in the JSON lines), as the
summarizer's `evaluate` reports them.

    KERAS_BACKEND=jax .venv/bin/python -m benchmarks.summarization_accuracy
    ... --minutes 1 --test-examples 100     # a quick look

Prints one JSON object per model as it finishes, then a Markdown table.
"""

import argparse
import json
import math
import time
from pathlib import Path

import keras

from applications.summarizer import data as summary_data
from applications.summarizer import recipe
from applications.summarizer.defaults import BEAM_WIDTH
from applications.summarizer.defaults import DECODING
from applications.summarizer.defaults import LENGTH_PENALTY
from applications.summarizer.defaults import NO_REPEAT_NGRAM
from applications.summarizer.defaults import VALIDATION_ROUGE_EXAMPLES
from applications.summarizer.lead import lead
from applications.summarizer.scores import ROUGE_TYPES
from applications.summarizer.scores import rouge_scores
from attention_zoo.callbacks import EpochSeeds
from attention_zoo.callbacks import GenerationEvaluator
from attention_zoo.recipes import LengthBucketed
from benchmarks.report import print_row
from benchmarks.time_budget import TimeBudget

DEFAULT_DATA = (
    Path(__file__).resolve().parents[2]
    / "shared/data/dialogsum/DialogSum_Data.zip"
)
PROBE_STEPS = 10
DECODINGS = {
    "greedy": {"method": "greedy"},
    # The summarizer's default (`defaults.py`, chosen on the dev split).
    "default": {"method": DECODING, "no_repeat_ngram": NO_REPEAT_NGRAM},
    "beam": {
        "method": "beam",
        "beam_width": BEAM_WIDTH,
        "length_penalty": LENGTH_PENALTY,
    },
}


def batches(model, train, batch_size, seed):
    """The training batches `train` makes: of similar lengths, as the
    summarizer's `train` command batches them."""
    x, y = model.preprocess_pairs(*train)
    return LengthBucketed(x, y, batch_size, seed, *model.bucketing(x))


def planned_steps(attention, train, seconds, batch_size, sizes, seed):
    """Optimizer steps that fit `seconds`: `PROBE_STEPS` batches of a
    throwaway model timed after one batch of every width has compiled,
    with 20% of the budget left for validation."""
    model = recipe.build(train, attention=attention, **sizes)
    data = batches(model, train, batch_size, seed)
    by_width = {}
    for index in range(len(data)):
        x, y = data[index]
        by_width.setdefault(x["encoder_token_ids"].shape[1], (x, y))
    for x, y in by_width.values():
        model.train_on_batch(x, y)
    started = time.perf_counter()
    for index in range(PROBE_STEPS):
        model.train_on_batch(*data[index])
    step_seconds = (time.perf_counter() - started) / PROBE_STEPS
    return max(int(0.8 * seconds / step_seconds), 2), step_seconds


def train_ours(attention, splits, seconds, batch_size, seed, sizes):
    train = (splits.train.sources, splits.train.targets)
    steps, step_seconds = planned_steps(
        attention, train, seconds, batch_size, sizes, seed
    )
    keras.utils.set_random_seed(seed)
    model = recipe.build(train, attention=attention, **sizes)
    model.compile(optimizer=model.default_optimizer(steps))
    validation = splits.validation
    evaluator = GenerationEvaluator(
        model.generate,
        validation.sources[:VALIDATION_ROUGE_EXAMPLES],
        validation.references[:VALIDATION_ROUGE_EXAMPLES],
        metric="rougeL",
        batch_size=64,
        verbose=0,
    )
    budget = TimeBudget(seconds, monitor="val_rougeL", mode="max")
    data = batches(model, train, batch_size, seed)
    model.fit(
        data,
        epochs=max(math.ceil(steps / len(data)), 1),
        callbacks=[EpochSeeds(seed, data=data), evaluator, budget],
        shuffle=False,  # LengthBucketed orders the examples
        verbose=2,
    )
    return model, {
        "epochs": budget.epochs,
        "best_epoch": budget.best_epoch,
        "planned_steps": steps,
        "steps": int(model.optimizer.iterations),
        "probe_step_seconds": round(step_seconds, 4),
        "train_seconds": round(budget.train_seconds, 1),
        "parameters": model.count_params(),
        "source_length": model.preprocessor.source_length,
        "target_length": model.preprocessor.target_length,
        "vocabulary": model.preprocessor.target_vocabulary_size,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--minutes", type=float, default=20.0)
    parser.add_argument(
        "--models",
        default="lead,pointer,multi_head,cosine,bahdanau,luong",
        help="comma-separated variants, 'lead' for the baseline",
    )
    parser.add_argument(
        "--decodings",
        default="greedy,default,beam",
        help=f"comma-separated, of {', '.join(DECODINGS)}",
    )
    parser.add_argument("--test-examples", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--source-length", type=int, default=None)
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument(
        "--save",
        default=None,
        help="a folder to keep each trained model in, as NAME.keras "
        "(with its training record, NAME.json)",
    )
    parser.add_argument(
        "--load",
        default=None,
        help="score the models that --save kept in this folder instead "
        "of training them",
    )
    args = parser.parse_args()

    splits = summary_data.load(args.data, seed=args.seed)
    test = splits.test.take(range(len(splits.test))[: args.test_examples])
    test.lead_words = splits.test.lead_words
    sizes = {"source_length": args.source_length}
    seconds = args.minutes * 60
    rows = []
    common = {
        "backend": keras.backend.backend(),
        "train": len(splits.train),
        "test": len(test),
    }
    for name in args.models.split(","):
        keras.utils.set_random_seed(args.seed)
        if name == "lead":
            words = test.lead_words
            summaries = [lead(document, words) for document in test.sources]
            rows.append(
                {
                    "model": "Lead",
                    "decoding": f"first turns, {words} words",
                    **rouge_scores(summaries, test.references),
                    **common,
                }
            )
            print_row(rows[-1])
            continue
        if args.load:
            model = keras.saving.load_model(Path(args.load) / f"{name}.keras")
            run = json.loads((Path(args.load) / f"{name}.json").read_text())
        else:
            model, run = train_ours(
                name, splits, seconds, args.batch_size, args.seed, sizes
            )
        if args.save:
            Path(args.save).mkdir(parents=True, exist_ok=True)
            model.save(Path(args.save) / f"{name}.keras")
            (Path(args.save) / f"{name}.json").write_text(json.dumps(run))
        for decoding in args.decodings.split(","):
            options = DECODINGS[decoding]
            started = time.perf_counter()
            summaries = model.generate(test.sources, batch_size=64, **options)
            rows.append(
                {
                    "model": name,
                    "decoding": decoding,
                    **rouge_scores(summaries, test.references),
                    **run,
                    "decode_seconds": round(time.perf_counter() - started, 1),
                    **common,
                    "example": {
                        "summary": summaries[0],
                        "reference": test.references[0][0],
                    },
                }
            )
            print_row(rows[-1])
    names = " | ".join(ROUGE_TYPES)
    print(f"\n| model | decoding | {names} | epochs (best) | train s |")
    print("|---|---|" + "---|" * len(ROUGE_TYPES) + "---|---|")
    for row in rows:
        scores = " | ".join(f"{row[name]:.2f}" for name in ROUGE_TYPES)
        trained = "-"
        if "epochs" in row:
            trained = f"{row['epochs']} ({row['best_epoch']})"
        seconds_trained = row.get("train_seconds", "-")
        print(
            f"| {row['model']} | {row['decoding']} | {scores} | {trained} | "
            f"{seconds_trained} |"
        )


if __name__ == "__main__":
    main()
