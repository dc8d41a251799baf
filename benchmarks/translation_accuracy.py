"""English-to-Spanish BLEU of the translator's variants against the model
of the keras.io example, each trained for the same wall-clock budget.

Data: spa-eng (Tatoeba, `--data`, default `../shared/data/spa-eng/
spa-eng.zip`) split by `applications.translator.data.load` (seeded
70/15/15, the example's proportions): every model trains on the same
training pairs and is scored once on the same test pairs (`--test-
examples` of them, default all).

Ours: `applications.translator.recipe.build` for each `--attention`,
trained as `train` trains (label smoothing, AdamW with warmup and a cosine
decay, BLEU of greedy decoding on 500 validation pairs after every epoch,
the weights of the best-BLEU epoch kept). The decay is planned over the
steps that fit the budget, measured on 20 warm steps first. The
evaluator's decoding counts against the budget. Scored with greedy
decoding and beam search (width 4, length penalty 0.6).

Reference: `benchmarks/keras_io_translator.py`, the example's model and
hyper-parameters (word vocabularies of 15,000, 20 tokens, one encoder and
one decoder block of width 256 with 8 heads and a 2,048-wide feed-forward
layer, RMSprop, batch 64), trained for the whole budget and decoded as
the example decodes (greedy, whole model recomputed at each step).

Scores: sacreBLEU BLEU and chrF against the original references (what a
user reads), and, as the example's own terms, after both hypotheses and
references go through the example's standardization (lowercase, its
punctuation stripped): its output has neither case nor punctuation.

    KERAS_BACKEND=jax .venv/bin/python -m benchmarks.translation_accuracy
    ... --minutes 1 --test-examples 500     # a quick look

Prints one JSON object per model as it finishes, then a Markdown table.
"""

import argparse
import math
import time
from pathlib import Path

import keras
import numpy as np

from applications.translator import data as translation_data
from applications.translator import recipe
from applications.translator.defaults import BEAM_WIDTH
from applications.translator.defaults import LENGTH_PENALTY
from applications.translator.defaults import VALIDATION_BLEU_EXAMPLES
from attention_zoo.callbacks import GenerationEvaluator
from attention_zoo.metrics import corpus_bleu
from attention_zoo.metrics import corpus_chrf
from benchmarks.keras_io_translator import KerasIoTranslator
from benchmarks.keras_io_translator import standardize_reference
from benchmarks.report import print_row
from benchmarks.time_budget import TimeBudget

DEFAULT_DATA = (
    Path(__file__).resolve().parents[2] / "shared/data/spa-eng/spa-eng.zip"
)
REFERENCE = "keras.io Transformer"
PROBE_STEPS = 20


def scores(hypotheses, references):
    """BLEU and chrF on the original references and on the example's
    standardized text."""
    plain_hypotheses = [standardize_reference(h) for h in hypotheses]
    plain_references = [standardize_reference(r) for r in references]
    return {
        "bleu": round(corpus_bleu(hypotheses, references), 2),
        "chrf": round(corpus_chrf(hypotheses, references), 2),
        "bleu_standardized": round(
            corpus_bleu(plain_hypotheses, plain_references), 2
        ),
        "chrf_standardized": round(
            corpus_chrf(plain_hypotheses, plain_references), 2
        ),
    }


def planned_steps(attention, splits, seconds, batch_size):
    """Optimizer steps that fit `seconds`: 20 steps of a throwaway model
    timed after a warm-up `fit` (compilation), with 20% of the budget
    left for validation and BLEU."""
    model = recipe.build(splits.train, attention=attention)
    probe = model.preprocessor.pack(
        splits.train[0][: batch_size * (PROBE_STEPS + 1)],
        splits.train[1][: batch_size * (PROBE_STEPS + 1)],
    )
    warm = keras.tree.map_structure(lambda a: a[:batch_size], probe)
    model.fit(*warm, batch_size=batch_size, epochs=1, verbose=0)
    started = time.perf_counter()
    model.fit(*probe, batch_size=batch_size, epochs=1, verbose=0)
    step_seconds = (time.perf_counter() - started) / (PROBE_STEPS + 1)
    return max(int(0.8 * seconds / step_seconds), 2), step_seconds


def train_ours(attention, splits, seconds, batch_size, seed):
    steps, step_seconds = planned_steps(attention, splits, seconds, batch_size)
    keras.utils.set_random_seed(seed)
    model = recipe.build(splits.train, attention=attention)
    model.compile(optimizer=model.default_optimizer(steps))
    sources, targets = splits.validation
    bleu = GenerationEvaluator(
        model.generate,
        sources[:VALIDATION_BLEU_EXAMPLES],
        targets[:VALIDATION_BLEU_EXAMPLES],
        batch_size=256,
        verbose=0,
    )
    budget = TimeBudget(seconds, monitor="val_bleu", mode="max")
    steps_per_epoch = math.ceil(len(splits.train[0]) / batch_size)
    model.fit(
        *splits.train,
        batch_size=batch_size,
        epochs=math.ceil(steps / steps_per_epoch),
        validation_data=splits.validation,
        callbacks=[bleu, budget],
        verbose=2,
    )
    return model, {
        "epochs": budget.epochs,
        "best_epoch": budget.best_epoch,
        "planned_steps": steps,
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
        default="reference,multi_head,cosine,bahdanau,luong",
        help="comma-separated variants, 'reference' for keras.io's",
    )
    parser.add_argument("--test-examples", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=1337)
    args = parser.parse_args()

    splits = translation_data.load(args.data, seed=args.seed)
    test_sources, references = splits.test
    test_sources = test_sources[: args.test_examples]
    references = references[: args.test_examples]
    seconds = args.minutes * 60
    rows = []
    for name in args.models.split(","):
        keras.utils.set_random_seed(args.seed)
        common = {
            "backend": keras.backend.backend(),
            "train": len(splits.train[0]),
            "test": len(test_sources),
        }
        if name == "reference":
            model = KerasIoTranslator(splits.train, seed=args.seed)
            run = model.fit(splits.train, splits.validation, seconds)
            started = time.perf_counter()
            hypotheses = model.translate(test_sources)
            decode_seconds = time.perf_counter() - started
            rows.append(
                {
                    "model": REFERENCE,
                    "decoding": "greedy (uncached)",
                    **scores(hypotheses, references),
                    **run,
                    "decode_seconds": round(decode_seconds, 1),
                    **common,
                }
            )
            print_row(rows[-1])
            continue
        model, run = train_ours(
            name, splits, seconds, args.batch_size, args.seed
        )
        for decoding, options in [
            ("greedy", {"method": "greedy"}),
            (
                f"beam {BEAM_WIDTH}",
                {
                    "method": "beam",
                    "beam_width": BEAM_WIDTH,
                    "length_penalty": LENGTH_PENALTY,
                },
            ),
        ]:
            started = time.perf_counter()
            hypotheses = model.generate(test_sources, batch_size=256, **options)
            decode_seconds = time.perf_counter() - started
            rows.append(
                {
                    "model": name,
                    "decoding": decoding,
                    **scores(hypotheses, references),
                    **run,
                    "decode_seconds": round(decode_seconds, 1),
                    **common,
                }
            )
            print_row(rows[-1])
        print_row(
            {
                "model": name,
                "examples": _examples(test_sources, hypotheses, references),
            }
        )
    print(
        "\n| model | decoding | BLEU | chrF | BLEU (standardized) | "
        "chrF (standardized) | epochs (best) | train s |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['model']} | {row['decoding']} | {row['bleu']:.2f} | "
            f"{row['chrf']:.2f} | {row['bleu_standardized']:.2f} | "
            f"{row['chrf_standardized']:.2f} | {row['epochs']:.2f} "
            f"({row.get('best_epoch', '-')}) | {row['train_seconds']:.0f} |"
        )


def _examples(sources, hypotheses, references, count=3):
    rng = np.random.default_rng(0)
    picked = rng.choice(
        len(sources), size=min(count, len(sources)), replace=False
    )
    return [
        {
            "source": sources[i],
            "translation": hypotheses[i],
            "reference": references[i],
        }
        for i in picked
    ]


if __name__ == "__main__":
    main()
