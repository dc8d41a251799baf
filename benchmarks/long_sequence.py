"""Peak memory and time of attention over long sequences: the query-
chunked path (`attention_zoo.ops.chunked_attention`, what the
summarizer's encoder runs above 256 tokens) against the dense path (the
whole `T x T` score matrix, written out: what `MultiHeadAttention` runs
when it returns its weights or drops some out) and the backend's own
op (`attention_zoo.ops.dot_product_attention`, which hands the work to
`keras.ops.dot_product_attention`: PyTorch's fused kernel, the written-
out math on TensorFlow and JAX's CPU).

One head of 64 dimensions, batch 1, self-attention over 1k to 32k
tokens, on each backend. Every measurement runs in a fresh process: its
peak resident memory (`ru_maxrss`) less its memory just before the call
is what the attention needed. Chunked and dense outputs are compared
where both ran; the dense path is not run where its score matrix alone
(`T^2` float32) would pass `--dense-limit-gib`.

    .venv/bin/python -m benchmarks.long_sequence
    ... --backends jax --lengths 1024,4096     # a quick look

Prints one JSON object per measurement, then a Markdown table.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
HEAD_DIM = 64
CHUNK_SIZE = 256
PATHS = ("chunked", "dense", "fused")
LENGTHS = (1024, 2048, 4096, 8192, 16384, 32768)


def _resident_bytes():
    """This process's resident memory now (Linux `/proc`)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def measure(path_name, length, output):
    """In this (fresh) process: time and memory of one attention call;
    writes its output to `output` (`.npy`) and prints a JSON line."""
    from keras import ops

    from attention_zoo.ops import chunked_attention
    from attention_zoo.ops import dot_product_attention
    from attention_zoo.ops.attention import attention_scores
    from attention_zoo.ops.attention import combine_values

    def attend(q, k, v):
        if path_name == "chunked":
            return chunked_attention(q, k, v, chunk_size=CHUNK_SIZE)
        if path_name == "fused":
            return dot_product_attention(q, k, v)
        weights = ops.softmax(attention_scores(q, k), axis=-1)
        return combine_values(weights, v)

    rng = np.random.default_rng(0)
    q, k, v = (
        ops.convert_to_tensor(
            rng.standard_normal((1, length, 1, HEAD_DIM), dtype="float32")
        )
        for _ in range(3)
    )
    small = tuple(x[:, :CHUNK_SIZE] for x in (q, k, v))
    ops.convert_to_numpy(attend(*small))  # kernels loaded, pools warm
    before = _resident_bytes()
    started = time.perf_counter()
    result = ops.convert_to_numpy(attend(q, k, v))
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    np.save(output, result)
    print(
        json.dumps(
            {
                "seconds": round(seconds, 3),
                "attention_mib": round(max(peak - before, 0) / 2**20, 1),
            }
        )
    )


def run_one(backend, path_name, length, output):
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.long_sequence",
            "--measure",
            path_name,
            str(length),
            str(output),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        return {"error": result.stderr.strip().splitlines()[-1][:200]}
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", default="tensorflow,jax,torch")
    parser.add_argument("--lengths", default=",".join(str(n) for n in LENGTHS))
    parser.add_argument("--dense-limit-gib", type=float, default=2.0)
    parser.add_argument("--measure", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        path_name, length, output = args.measure
        measure(path_name, int(length), output)
        return

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for backend in args.backends.split(","):
            for length in (int(n) for n in args.lengths.split(",")):
                row = {"backend": backend, "tokens": length}
                outputs = {}
                for path_name in PATHS:
                    scores_gib = length**2 * 4 / 2**30
                    if (
                        path_name != "chunked"
                        and scores_gib > args.dense_limit_gib
                    ):
                        row[path_name] = {
                            "skipped": f"scores alone {scores_gib:.0f} GiB"
                        }
                        continue
                    output = (
                        Path(folder) / f"{backend}_{path_name}_{length}.npy"
                    )
                    row[path_name] = run_one(backend, path_name, length, output)
                    if output.exists():
                        outputs[path_name] = np.load(output)
                if "chunked" in outputs and len(outputs) > 1:
                    row["max_abs_difference"] = max(
                        float(np.max(np.abs(outputs["chunked"] - other)))
                        for other in outputs.values()
                    )
                rows.append(row)
                print(json.dumps(row), flush=True)

    print(
        "\n| backend | tokens | chunked MiB | chunked s | dense MiB | dense s "
        "| backend op MiB | backend op s | max difference |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        cells = []
        for path_name in PATHS:
            part = row[path_name]
            if "attention_mib" in part:
                cells += [
                    f"{part['attention_mib']:.0f}",
                    f"{part['seconds']:.2f}",
                ]
            else:
                cells += [part.get("skipped", part.get("error", "-")), "-"]
        difference = row.get("max_abs_difference")
        shown = "-" if difference is None else f"{difference:.1e}"
        print(
            f"| {row['backend']} | {row['tokens']:,} | "
            + " | ".join(cells)
            + f" | {shown} |"
        )


if __name__ == "__main__":
    main()
