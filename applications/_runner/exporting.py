"""The `export` command: SavedModel, LiteRT and ONNX files of a trained
model, each checked in its runtime before anything is published.

1. The model and `--output` are checked (a corrupted file, another
   application's model, an output that is not empty or not writable:
   one-line errors, nothing written).
2. Off the TensorFlow backend, the same command runs again in a
   subprocess with `KERAS_BACKEND=tensorflow`, which writes every format
   (`attention_zoo.export` says why); the user is told so.
3. In a hidden folder beside `--output`, each format is written, loaded
   in its runtime and run on `--max-examples` held-out examples of
   `--data`, one at a time; the outputs are compared with the Keras
   model's (the application's `Exporter.check`), and batch-1 latency is
   measured for both.
4. Only if every check passes, the folder becomes `--output`, with
   `export_report.json`; else it is removed and the command exits 1.
"""

import argparse
import contextlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from applications._runner.arguments import EXPORT_CALIBRATION_EXAMPLES
from applications._runner.arguments import EXPORT_FORMATS
from applications._runner.errors import CheckFailed
from applications._runner.errors import UsageError
from applications._runner.run_directory import check_output
from applications._runner.run_directory import chmod_as_created
from applications._runner.run_directory import publish
from applications._runner.run_directory import write_json

REPORT = "export_report.json"
# Where `export` was asked for, passed to the TensorFlow subprocess.
_REQUESTED_ON = "ATTENTION_ZOO_EXPORT_REQUESTED_ON"


def check_quantization(formats, quantize):
    from attention_zoo.export import FORMAT_QUANTIZATIONS

    refused = [f for f in formats if quantize not in FORMAT_QUANTIZATIONS[f]]
    if refused:
        offering = [f for f, q in FORMAT_QUANTIZATIONS.items() if quantize in q]
        raise UsageError(
            f"--quantize {quantize} is not offered for {', '.join(refused)}; "
            f"add --format {' '.join(offering)} (the formats that offer it)"
        )


def export(app, args, load_checked_model):
    import keras

    output = Path(args.output)
    if output.is_dir() and any(output.iterdir()) and not args.overwrite:
        raise UsageError(
            f"--output {output} is not empty (an earlier export?); choose a "
            "new folder, or add --overwrite to replace it once this export "
            "has passed its checks"
        )
    check_output(args.output, overwrite=True)  # a file, not writable
    for flag, path in [
        ("--model", args.model),
        ("--data", args.data),
        ("--calibration-data", args.calibration_data),
    ]:
        if path is not None and _inside(path, output):
            raise UsageError(
                f"{flag} {path} is inside --output {output}, which the "
                "export replaces; choose another --output"
            )
    _check_packages()
    formats = list(dict.fromkeys(args.format or EXPORT_FORMATS))
    check_quantization(formats, args.quantize)
    if args.calibration_data is not None and args.quantize != "int8":
        raise UsageError(
            "--calibration-data calibrates --quantize int8 only; add "
            "--quantize int8 or leave --calibration-data out"
        )
    model = load_checked_model(app, args)
    exporter = app.exporter(model)
    for format in formats:
        reason = exporter.refused.get((format, args.quantize))
        if reason:
            raise UsageError(
                f"--quantize {args.quantize} is not offered for {app.name}'s "
                f"{format} file: {reason}"
            )
    backend = keras.backend.backend()
    if backend != "tensorflow":
        return _export_under_tensorflow(app, args, backend)
    requested_on = os.environ.get(_REQUESTED_ON, backend)
    if not args.verbose:
        _quiet_converters()

    with contextlib.redirect_stdout(sys.stderr):
        test = app.load_test_data(args, model)
        inputs, references = exporter.examples(test)
    if not inputs:
        raise UsageError(f"--data {args.data} has no held-out examples")
    calibration, calibration_source = _calibration(
        app, args, model, exporter, inputs
    )
    report = {
        "application": app.name,
        "model": str(args.model),
        "export_requested_on": requested_on,
        "exported_by": "tensorflow",
        "quantize": args.quantize,
        "examples": len(inputs),
        "int8_calibration": calibration_source,
        "formats": {},
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=output.parent, prefix=f".{output.name}-"))
    chmod_as_created(work, 0o777)
    try:
        failures = []
        for format in formats:
            _say(f"export: writing and checking {format}", args)
            try:
                result = _export_one(
                    exporter,
                    format,
                    args.quantize,
                    work,
                    inputs,
                    references,
                    calibration,
                    quiet=not args.verbose,
                )
            except Exception as error:  # a converter or runtime failed
                message = " ".join(str(error).split())[-300:]
                result = {"problems": [f"{type(error).__name__}: {message}"]}
            report["formats"][format] = result
            failures += [
                f"{format}: {problem}" for problem in result["problems"]
            ]
        if failures:
            raise CheckFailed(
                "the export does not match the Keras model, nothing was "
                "written: " + "; ".join(failures)
            )
        exporter.write_usage(work, formats)
        write_json(work / REPORT, report)
        if output.exists() and args.overwrite:
            publish(work, output)
        else:
            with contextlib.suppress(OSError):
                output.rmdir()  # an empty folder given as --output
            os.replace(work, output)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(report))
    return 0


def _inside(path, folder):
    path, folder = Path(path).resolve(), Path(folder).resolve()
    return path == folder or folder in path.parents


# What export imports, by the name pip installs it under.
_PACKAGES = {
    "tensorflow": "tensorflow",
    "tf2onnx": "tf2onnx",
    "onnxruntime": "onnxruntime",
    "ai_edge_litert": "ai-edge-litert",
}


def _check_packages():
    missing = [
        name
        for module, name in _PACKAGES.items()
        if importlib.util.find_spec(module) is None
    ]
    if missing:
        raise UsageError(
            f"export needs {', '.join(missing)}; install them with "
            "pip install 'attention-zoo[export]'"
        )


def _calibration(app, args, model, exporter, inputs):
    """`(inputs, description)` of int8's representative examples: a
    seeded sample of `--calibration-data` (read as `--data` is), else the
    first of the examples checked."""
    if args.quantize != "int8":
        return [], None
    if args.calibration_data is None:
        chosen = inputs[:EXPORT_CALIBRATION_EXAMPLES]
        return chosen, f"the first {len(chosen)} examples checked"
    calibration_args = argparse.Namespace(**vars(args))
    calibration_args.data = args.calibration_data
    calibration_args.max_examples = EXPORT_CALIBRATION_EXAMPLES
    # Read whole: a translator's --target-data pairs with --data only.
    for name in ("target_data", "test_fraction"):
        if hasattr(calibration_args, name):
            setattr(calibration_args, name, None)
    with contextlib.redirect_stdout(sys.stderr):
        chosen, _ = exporter.examples(
            app.load_test_data(calibration_args, model)
        )
    return chosen, f"{len(chosen)} examples of {args.calibration_data}"


def _export_one(
    exporter, format, quantize, work, inputs, references, calibration, quiet
):
    """Writes `format` into `work`, runs it on `inputs` and returns its
    part of the report (`problems` empty when it passed). With `quiet`,
    what the converters and runtimes print on stderr (their C++ logging
    too) shows only if they fail."""
    from applications._runner.main import held_stderr
    from attention_zoo.export import median_latency_ms
    from attention_zoo.export import writer

    module = writer(format)
    graph = exporter.graph(format)
    path = work / exporter.file_name(format)
    representative = [exporter.feed(x, format) for x in calibration]
    with held_stderr() if quiet else contextlib.nullcontext():
        module.write(exporter.model, graph, path, quantize, representative)
        runtime = module.Runtime(path, graph)
        rows = [runtime.run(exporter.feed(x, format)) for x in inputs]
    actual = {name: _stacked([row[name] for row in rows]) for name in rows[0]}
    expected = exporter.expected(inputs, format)
    figures, problems = exporter.check(
        expected, actual, format, quantize, references
    )
    first = exporter.feed(inputs[0], format)
    latency = {
        "keras": median_latency_ms(
            lambda: exporter.expected(inputs[:1], format)
        ),
        format: median_latency_ms(lambda: runtime.run(first)),
    }
    files = exporter.write_assets(work, format)
    result = {
        "files": {name: _size(work / name) for name in [path.name, *files]},
        "comparison": figures,
        "batch_1_latency_ms": latency,
        "problems": problems,
    }
    if format == "litert":
        from attention_zoo.export.litert import operators

        result["operators"] = operators(path.read_bytes())
    return result


def _quiet_converters():
    """TensorFlow's and tf2onnx's Python warnings about things they
    handle (table initializers, unused functions) off."""
    import logging

    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    logging.getLogger("tf2onnx").setLevel(logging.ERROR)


def _stacked(arrays):
    import numpy as np

    return np.concatenate([np.asarray(a) for a in arrays], axis=0)


def _size(path):
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


def _say(message, args):
    if not args.quiet:
        print(message, file=sys.stderr)


def _export_under_tensorflow(app, args, backend):
    """Runs this command again with `KERAS_BACKEND=tensorflow`."""
    _say(
        f"export: the model is loaded again under TensorFlow, which writes "
        f"the SavedModel, LiteRT and ONNX files (KERAS_BACKEND={backend} "
        "cannot write them all)",
        args,
    )
    environment = {
        **os.environ,
        "KERAS_BACKEND": "tensorflow",
        _REQUESTED_ON: backend,
    }
    command = [sys.executable, "-m", f"applications.{app.name}", *args.argv]
    return subprocess.run(command, env=environment, check=False).returncode
