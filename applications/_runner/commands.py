"""The commands `train`, `evaluate`, `predict` and `export`, the same for
every application, and `main`, which runs them.

`train` writes `OUTPUT/model.keras`, `metrics.json`, `history.csv`,
`best.keras` and `attention/*.png` through the run-directory transaction
(`run_directory`). A `UsageError` or a `DataError` is printed as one line
`error: ...` on stderr with exit status 2, without traceback.
"""

import contextlib
import json
import os
import shutil
import sys
import time
import zipfile
from pathlib import Path

import keras
import numpy as np

from applications._runner import run_directory
from applications._runner.arguments import make_parser
from applications._runner.arguments import read_inputs
from applications._runner.errors import UsageError
from applications.errors import DataError
from attention_zoo import callbacks as zoo_callbacks
from attention_zoo.recipes import set_precision

# `--resume` keeps the stopped run's arguments except these.
_NOT_RESUMED = ("resume", "overwrite", "quiet", "output")


def _shorten(text, limit=160):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def saved_class_name(path):
    """The class name a `.keras` file records, read without loading it."""
    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
        return str(config["class_name"])
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError) as error:
        raise UsageError(
            f"--model {path} is not a readable .keras file "
            f"({_shorten(error, 80)}); expected a model.keras file written "
            "by train"
        ) from error


def load_model(path, model_class=None):
    """The model in the `.keras` file `path`; with `model_class`, a file
    holding another class is refused before it is loaded."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(
            f"--model {path} does not exist; expected a model.keras file "
            "written by train"
        )
    class_name = saved_class_name(path)
    if model_class is not None and class_name != model_class.__name__:
        raise UsageError(
            f"--model {path} holds a {class_name}; expected a "
            f"{model_class.__name__} written by its application's train"
        )
    try:
        return keras.saving.load_model(path)
    except Exception as error:  # a damaged file, a missing class
        raise UsageError(
            f"--model {path} could not be loaded as a Keras model "
            f"({type(error).__name__}: {_shorten(error)})"
        ) from error


def _setup(args):
    if keras.backend.backend() == "torch" and "OMP_NUM_THREADS" not in (
        os.environ
    ):
        import torch

        # Small models: PyTorch's default threads stall on a busy CPU.
        torch.set_num_threads(1)
    if hasattr(args, "seed"):
        keras.utils.set_random_seed(args.seed)


def _fit(model, data, args, callbacks, verbose):
    options = {
        "epochs": args.epochs,
        "validation_data": data.validation,
        "callbacks": callbacks,
        "verbose": verbose,
    }
    if isinstance(data.train, tuple):  # in-memory (x, y)
        x, y = data.train
        return model.fit(x, y, batch_size=args.batch_size, **options)
    return model.fit(data.train, **options)  # a Dataset or PyDataset


def _monitored(app, data):
    """`(metric, mode)` that checkpointing and early stopping watch."""
    if data.validation is None:
        return "loss", "min"
    return app.monitor, app.monitor_mode


def train(app, args):
    work = run_directory.check_output(args.output, args.resume, args.overwrite)
    output = Path(args.output)
    if args.resume:
        for name, value in run_directory.saved_arguments(work).items():
            if name not in _NOT_RESUMED:
                setattr(args, name, value)
    elif args.data is None:
        raise UsageError("train needs --data PATH")
    args.epochs = args.epochs or app.default_epochs
    args.batch_size = args.batch_size or app.default_batch_size
    verbose = 0 if args.quiet else "auto"
    _setup(args)
    set_precision(args.precision)

    data = app.load_data(args)
    model = app.build_model(args, data)

    # Everything above only read; from here on the run writes, in `work`.
    run_directory.start(work, args)
    monitor, mode = _monitored(app, data)
    callbacks = zoo_callbacks.standard(
        work,
        monitor=monitor,
        mode=mode,
        patience=3,
        extra=app.callbacks(args, data, model),
    )
    started = time.perf_counter()
    history = _fit(model, data, args, callbacks, verbose)
    train_seconds = time.perf_counter() - started
    test_metrics = app.evaluate(model, data.test, args)
    try:
        app.save_attention(model, data, work / "attention")
    except Exception as error:  # a picture is not worth losing the model
        print(
            f"warning: no attention pictures ({type(error).__name__}: {error})",
            file=sys.stderr,
        )
    metrics = {
        "test": test_metrics,
        "attention": args.attention,
        "epochs": epochs_done(work / "history.csv", history),
        "epochs_requested": args.epochs,
        "monitor": monitor,
        "train_seconds": round(train_seconds, 3),
        "backend": keras.backend.backend(),
        "dtype_policy": args.precision,
        "seed": args.seed,
        "examples": data.examples,
        "data": args.data,
        "test_data": args.test_data,
        **data.info,
    }

    # Publish: each file complete before it replaces the earlier one.
    with run_directory.atomic_path(output / "model.keras") as temporary:
        model.save(temporary)
    for name in ("history.csv", "best.keras", "attention", "tensorboard"):
        run_directory.publish(work / name, output / name)
    run_directory.write_json(output / "metrics.json", metrics)
    shutil.rmtree(work, ignore_errors=True)
    if not args.quiet:
        print(json.dumps(test_metrics))
        print(f"wrote {output / 'model.keras'} and {output / 'metrics.json'}")
    return 0


def epochs_done(history_csv, history):
    """Epochs trained, counting those before a `--resume`."""
    if history_csv.is_file():
        with open(history_csv, encoding="utf-8") as file:
            rows = [line for line in file.read().splitlines()[1:] if line]
        if rows:
            return len(rows)
    return len(history.history.get("loss", []))


def _load_checked_model(app, args):
    _setup(args)
    return load_model(args.model, app.model_class)


def evaluate(app, args):
    model = _load_checked_model(app, args)
    args.batch_size = args.batch_size or app.default_batch_size
    test = app.load_test_data(args, model)
    # Progress bars go to stderr: stdout holds only the JSON line.
    with contextlib.redirect_stdout(sys.stderr):
        metrics = app.evaluate(model, test, args)
    print(json.dumps(metrics))
    return 0


def predict(app, args):
    inputs = read_inputs(args)
    model = _load_checked_model(app, args)
    with contextlib.redirect_stdout(sys.stderr):
        results = app.predict(model, inputs, args)
    for result in results:
        print(json.dumps(to_jsonable(result), ensure_ascii=False))
    return 0


def export(app, args):
    model = _load_checked_model(app, args)
    app.export(model, args)
    return 0


COMMANDS = {
    "train": train,
    "evaluate": evaluate,
    "predict": predict,
    "export": export,
}


def _one_line(error):
    return " ".join(str(error).split()) or type(error).__name__


def main(app, argv=None):
    """Runs the command line of `app`; returns the exit status."""
    try:
        args = make_parser(app).parse_args(argv)
        return COMMANDS[args.command](app, args)
    except (UsageError, DataError) as error:
        print(f"error: {_one_line(error)}", file=sys.stderr)
        return 2


def to_jsonable(value):
    """numpy scalars and arrays as plain Python numbers and lists."""
    if isinstance(value, dict):
        return {key: to_jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(item) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value
