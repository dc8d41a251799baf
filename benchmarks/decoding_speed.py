"""Cached against uncached greedy decoding of the translator's models.

Cached: `Translator.generate_ids` (the encoder once, one token per step
through `backbone.decode_step` with the self-attention key/value cache or
the recurrent state, in one compiled `keras.ops.while_loop`). Uncached:
`Translator.generate_uncached`, how the keras.io English-to-Spanish
example decodes: the whole model, encoder included, on the padded decoder
buffer at every step. Both fill exactly N positions (`stop_at_end=False`)
and must give the same tokens; the script fails if they do not.

For the backend in `KERAS_BACKEND`, each architecture at the recipe's
default sizes (vocabulary 8,000, random weights: speed does not depend on
training), a batch of `--batch` source sentences of 20 tokens, and N in
`--lengths`: one warm-up call of each (compilation), then the median of
`--rounds` timed calls. Prints one JSON object: seconds, tokens per
second (batch * N / seconds) and the speedup, per architecture and N.

    KERAS_BACKEND=jax .venv/bin/python -m benchmarks.decoding_speed
"""

import argparse
import json
import statistics
import time

import keras
import numpy as np

from applications._seq2seq.preprocessor import END
from applications.translator.model import RecurrentSeq2SeqBackbone
from applications.translator.model import TransformerSeq2SeqBackbone
from applications.translator.model import Translator

VOCABULARY = 8_000
SOURCE_LENGTH = 20


def _model(attention, max_length):
    backbone_class = (
        RecurrentSeq2SeqBackbone
        if attention in ("bahdanau", "luong")
        else TransformerSeq2SeqBackbone
    )
    backbone = backbone_class(
        VOCABULARY,
        VOCABULARY,
        source_length=SOURCE_LENGTH,
        target_length=max_length,
        attention=attention,
    )
    # No preprocessor: the benchmark feeds ids.
    return Translator(backbone, preprocessor=None)


def _median_seconds(run, rounds):
    run()  # warm-up: compilation
    seconds = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def _same_tokens(cached, uncached):
    """Equal up to each row's first END (what follows is never read)."""
    for a, b in zip(cached, uncached):
        a, b = list(a), list(b)
        a = a[: a.index(END) + 1] if END in a else a
        b = b[: b.index(END) + 1] if END in b else b
        if a != b:
            return False
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--lengths", type=int, nargs="+", default=[16, 32, 64, 128]
    )
    parser.add_argument(
        "--attentions",
        nargs="+",
        default=["multi_head", "bahdanau", "luong"],
    )
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    sources = rng.integers(4, VOCABULARY, (args.batch, SOURCE_LENGTH))
    sources = sources.astype("int32")
    results = {}
    for attention in args.attentions:
        for length in args.lengths:
            model = _model(attention, length)
            cached = model.generate_ids(
                sources, batch_size=args.batch, stop_at_end=False
            )
            uncached = model.generate_uncached(sources, stop_at_end=False)
            if not _same_tokens(cached, uncached):
                raise SystemExit(
                    f"{attention}, {length} tokens: cached and uncached "
                    "decoding differ"
                )
            timings = {
                "cached": _median_seconds(
                    lambda model=model: model.generate_ids(
                        sources, batch_size=args.batch, stop_at_end=False
                    ),
                    args.rounds,
                ),
                "uncached": _median_seconds(
                    lambda model=model: model.generate_uncached(
                        sources, stop_at_end=False
                    ),
                    args.rounds,
                ),
            }
            tokens = args.batch * length
            results[f"{attention}/{length}"] = {
                **{f"{k}_seconds": round(v, 4) for k, v in timings.items()},
                **{
                    f"{k}_tokens_per_second": round(tokens / v, 1)
                    for k, v in timings.items()
                },
                "speedup": round(timings["uncached"] / timings["cached"], 2),
                "same_tokens": True,
            }
            print(
                json.dumps(
                    {f"{attention}/{length}": results[f"{attention}/{length}"]}
                ),
                flush=True,
            )
    print(
        json.dumps(
            {
                "benchmark": "decoding_speed",
                "backend": keras.backend.backend(),
                "batch": args.batch,
                "source_length": SOURCE_LENGTH,
                "results": results,
            }
        )
    )


if __name__ == "__main__":
    main()
