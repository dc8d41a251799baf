"""Size, batch-1 latency and accuracy of every export of one trained
model: SavedModel, LiteRT and ONNX in float32, then LiteRT float16,
dynamic-range int8 and int8, and ONNX dynamic-range int8.

Each export is the application's own command (`python -m
applications.<app> export`), which checks the file in its runtime
against the Keras model on `--max-examples` held-out examples of
`--data`; this script collects the figures of its `export_report.json`
files and prints one JSON object (and a Markdown table on stderr).

    KERAS_BACKEND=tensorflow .venv/bin/python -m benchmarks.export_formats \\
        --application text_classifier --model runs/demo/model.keras \\
        --data data/imdb_sample/test.csv \\
        --calibration-data data/imdb_sample/train.csv
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

EXPORTS = [
    (["tf_saved_model", "litert", "onnx"], "none"),
    (["litert"], "float16"),
    (["litert"], "dynamic_int8"),
    (["litert"], "int8"),
    (["onnx"], "dynamic_int8"),
]
FILES = {
    "tf_saved_model": "saved_model",
    "litert": "model.tflite",
    "onnx": "model.onnx",
}


def export(args, formats, quantize, output):
    command = [
        sys.executable,
        "-m",
        f"applications.{args.application}",
        "export",
        "--model",
        args.model,
        "--data",
        args.data,
        "--output",
        str(output),
        "--max-examples",
        str(args.max_examples),
        "--format",
        *formats,
        "--quantize",
        quantize,
        "--quiet",
        *args.extra,
    ]
    if quantize == "int8" and args.calibration_data:
        command += ["--calibration-data", args.calibration_data]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines() or [
            f"exit status {result.returncode}"
        ]
        return {"error": lines[-1]}
    return json.loads(result.stdout)


def rows(report, quantize):
    for format, part in report["formats"].items():
        latency = part["batch_1_latency_ms"]
        yield {
            "format": format,
            "quantize": quantize,
            "bytes": part["files"][FILES[format]],
            "keras_ms": round(latency["keras"], 3),
            "runtime_ms": round(latency[format], 3),
            "comparison": part["comparison"],
        }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--application", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--max-examples", type=int, default=200)
    parser.add_argument(
        "--calibration-data", help="training data that calibrates int8"
    )
    parser.add_argument(
        "extra", nargs="*", help="more flags of export (after --)"
    )
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as directory:
        for i, (formats, quantize) in enumerate(EXPORTS):
            report = export(args, formats, quantize, Path(directory) / str(i))
            if "error" in report:
                results.append(
                    {"formats": formats, "quantize": quantize, **report}
                )
                continue
            results.extend(rows(report, quantize))
    print(
        json.dumps(
            {
                "application": args.application,
                "model": args.model,
                "backend": os.environ.get("KERAS_BACKEND"),
                "examples": args.max_examples,
                "exports": results,
            }
        )
    )
    print(
        "| format | quantize | MB | Keras ms | runtime ms | comparison |\n"
        "| --- | --- | --- | --- | --- | --- |",
        file=sys.stderr,
    )
    for row in results:
        if "error" in row:
            print(
                f"| {row['formats']} | {row['quantize']} | failed: "
                f"{row['error']} |",
                file=sys.stderr,
            )
            continue
        print(
            f"| {row['format']} | {row['quantize']} | "
            f"{row['bytes'] / 1e6:.2f} | {row['keras_ms']} | "
            f"{row['runtime_ms']} | {json.dumps(row['comparison'])} |",
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
