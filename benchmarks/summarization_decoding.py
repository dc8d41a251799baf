"""The summarizer's decoding chosen on DialogSum's dev split: greedy
decoding and beam search, with and without blocking repeated n-grams,
scored on the dev dialogues of a model that
`benchmarks/summarization_accuracy.py --save DIR` trained.

The test split is not read: the defaults this picks
(`applications.summarizer.defaults`) are then scored on it by
`summarization_accuracy.py`.

    KERAS_BACKEND=tensorflow .venv/bin/python \\
        -m benchmarks.summarization_decoding --model models/multi_head.keras

Prints one JSON object per decoding, then a Markdown table.
"""

import argparse
import time

import keras

import applications.summarizer  # noqa: F401 (registers the model's classes)
from applications.summarizer import data as summary_data
from applications.summarizer.lead import lead
from applications.summarizer.scores import ROUGE_TYPES
from applications.summarizer.scores import rouge_scores
from benchmarks.report import print_row
from benchmarks.summarization_accuracy import DEFAULT_DATA

DECODINGS = [
    *(
        {"method": "greedy", "no_repeat_ngram": n}
        if n
        else {"method": "greedy"}
        for n in (0, 3, 4, 5, 6)
    ),
    {"method": "beam", "beam_width": 4, "length_penalty": 1.0},
    *(
        {
            "method": "beam",
            "beam_width": 4,
            "length_penalty": alpha,
            "no_repeat_ngram": n,
        }
        for alpha, n in ((0.6, 3), (1.0, 3), (1.0, 4), (2.0, 4))
    ),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument(
        "--methods",
        default="greedy,beam",
        help="comma-separated: run the decodings of these methods only",
    )
    args = parser.parse_args()

    splits = summary_data.load(args.data, seed=args.seed)
    dev = splits.validation
    model = keras.saving.load_model(args.model)
    words = splits.test.lead_words  # the average training summary
    rows = [
        {
            "method": f"Lead, {words} words",
            **rouge_scores(
                [lead(document, words) for document in dev.sources],
                dev.references,
            ),
            "words": words,
        }
    ]
    print_row(rows[-1])
    for options in DECODINGS:
        if options["method"] not in args.methods.split(","):
            continue
        started = time.perf_counter()
        summaries = model.generate(dev.sources, batch_size=64, **options)
        words = sum(len(s.split()) for s in summaries) / len(summaries)
        rows.append(
            {
                **options,
                **rouge_scores(summaries, dev.references),
                "words": round(words, 1),
                "decode_seconds": round(time.perf_counter() - started, 1),
                "dev": len(dev),
                "backend": keras.backend.backend(),
            }
        )
        print_row(rows[-1])
    names = " | ".join(ROUGE_TYPES)
    print(f"\n| decoding | {names} | words |")
    print("|---|" + "---|" * len(ROUGE_TYPES) + "---|")
    for row in rows:
        decoding = ", ".join(
            f"{key}={row[key]}"
            for key in (
                "method",
                "beam_width",
                "length_penalty",
                "no_repeat_ngram",
            )
            if key in row
        )
        scores = " | ".join(f"{row[name]:.2f}" for name in ROUGE_TYPES)
        print(f"| {decoding} | {scores} | {row['words']} |")


if __name__ == "__main__":
    main()
