"""The commands `train`, `evaluate`, `predict` and `export`, the same for
every application (`main` runs them).

Results go to standard output as JSON; progress and messages go to
standard error. `train` writes `OUTPUT/model.keras`, `metrics.json`,
`history.csv`, `best.keras` and `attention/*.png` through the
run-directory transaction (`run_directory`). Its in-memory training data
is batched by `EpochShuffled` and its callbacks include `EpochSeeds`, so
a run stopped by Ctrl-C or a kill and continued with `--resume` trains
as the uninterrupted run would have, to the same epoch.
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
from applications._runner.ctrl_c import CtrlC
from applications._runner.errors import Interrupted
from applications._runner.errors import UsageError
from applications.errors import shortened
from attention_zoo import callbacks as zoo_callbacks
from attention_zoo.recipes import EpochShuffled
from attention_zoo.recipes import LengthBucketed
from attention_zoo.recipes import set_precision

# `--resume` keeps the stopped run's arguments except these.
_NOT_RESUMED = ("resume", "overwrite", "quiet", "verbose", "output")


def saved_class_name(path):
    """The class name a `.keras` file records, read without loading it."""
    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
        return str(config["class_name"])
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError) as error:
        raise UsageError(
            f"--model {path} is not a readable .keras file "
            f"({shortened(error)}); expected a model.keras file written "
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
            f"--model {path} holds a model of class {class_name}; expected "
            f"a {model_class.__name__} written by its application's train"
        )
    try:
        return keras.saving.load_model(path)
    except Exception as error:  # a damaged file, a missing class
        raise UsageError(
            f"--model {path} could not be loaded ({type(error).__name__}: "
            f"{shortened(error, 60)}); train it again with this version"
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


def _training_set(model, data, args):
    """What `fit` takes: in-memory `(x, y)` preprocessed and batched in
    an order that depends on the seed and the epoch alone, in batches of
    similar lengths for a model with `bucketing(x) -> (lengths, keys)`
    (an application's Dataset or PyDataset is passed as it is)."""
    if not isinstance(data.train, tuple):
        return data.train
    x, y = data.train
    preprocess_pairs = getattr(model, "preprocess_pairs", None)
    if preprocess_pairs is not None:
        x, y = preprocess_pairs(x, y)
    bucketing = getattr(model, "bucketing", None)
    if bucketing is not None:
        lengths, trimmed = bucketing(x)
        return LengthBucketed(
            x, np.asarray(y), args.batch_size, args.seed, lengths, trimmed
        )
    return EpochShuffled(x, np.asarray(y), args.batch_size, seed=args.seed)


def _monitored(app, data):
    """`(metric, mode)` that checkpointing and early stopping watch."""
    if data.validation is None:
        return "loss", "min"
    return app.monitor, app.monitor_mode


def _interrupted(app, args, work):
    """`Interrupted`, saying how to continue a run stopped by Ctrl-C."""
    if (work / "backup").is_dir():
        return Interrupted(
            f"interrupted after epoch {epochs_done(work / 'history.csv')}; "
            f"continue with: python -m applications.{app.name} train "
            f"--output {args.output} --resume"
        )
    _give_up(args, work)
    return Interrupted(
        "interrupted before the first epoch ended: nothing to resume; run "
        "the same command again to start over"
    )


def _give_up(args, work):
    """Removes a new run's work folder (and `--output`, if left empty)."""
    if not args.resume:
        shutil.rmtree(work, ignore_errors=True)
        run_directory.remove_if_empty(args.output)


def _epochs_left(args, work):
    """`--epochs`, or on `--resume` of a run that early stopping ended
    (killed before it published), the epochs it trained."""
    state = zoo_callbacks.TrainingState.last_state(work / "state")
    if args.resume and state is not None and state["stop_training"]:
        return min(args.epochs, state["epoch"] + 1)
    return args.epochs


def _check_diverged(history, args, work):
    """After `TerminateOnNaN`: an error if no epoch had a finite loss,
    else a warning (early stopping restored the best epoch's weights)."""
    losses = history.history.get("loss", [])
    if not losses or np.isfinite(losses[-1]):
        return
    epoch = epochs_done(work / "history.csv") or len(losses)
    if not np.isfinite(losses).any():
        _give_up(args, work)
        raise UsageError(
            f"training diverged: the loss became {losses[-1]} in epoch "
            f"{epoch}; try a smaller learning rate or --precision float32"
        )
    print(
        f"warning: training diverged in epoch {epoch} (loss {losses[-1]}); "
        "the best epoch's weights are kept",
        file=sys.stderr,
    )


def train(app, args):
    work = run_directory.check_output(args.output, args.resume, args.overwrite)
    output = Path(args.output)
    if args.resume:
        for name, value in run_directory.saved_arguments(work).items():
            if name not in _NOT_RESUMED:
                setattr(args, name, value)
    elif args.data is None:
        raise UsageError("train needs --data PATH")
    args.epochs = args.epochs or app.epochs_of(args)
    args.batch_size = args.batch_size or app.default_batch_size
    # Progress and messages to stderr; stdout holds the JSON result only.
    with contextlib.redirect_stdout(sys.stderr):
        _setup(args)
        set_precision(args.precision)
        data = app.load_data(args)
        model = app.build_model(args, data)
        # Everything above only read; from here on the run writes, in
        # `work`, and Ctrl-C leaves it resumable.
        try:
            test_metrics = _train(app, args, work, output, data, model)
        except KeyboardInterrupt:
            raise _interrupted(app, args, work) from None
    print(json.dumps(test_metrics))
    return 0


def _train(app, args, work, output, data, model):
    """Trains, tests and publishes; returns the test metrics."""
    training_set = _training_set(model, data, args)
    ordered = isinstance(training_set, EpochShuffled)
    run_directory.start(work, args)
    monitor, mode = _monitored(app, data)
    callbacks = zoo_callbacks.standard(
        work,
        monitor=monitor,
        mode=mode,
        patience=args.patience,
        extra=app.callbacks(args, data, model),
        seed=args.seed,
        data=training_set if ordered else None,
        keep_backup=True,  # deleted once the results are published
    )
    if not args.quiet:
        callbacks.append(zoo_callbacks.BriefProgress(monitor))
    started = time.perf_counter()
    with CtrlC() as ctrl_c:
        history = model.fit(
            training_set,
            epochs=_epochs_left(args, work),
            validation_data=(
                data.validation if app.validation_in_fit else None
            ),
            callbacks=[*callbacks, ctrl_c],
            shuffle=not ordered,  # EpochShuffled orders the examples
            verbose=0,
        )
    if ctrl_c.pressed:
        raise KeyboardInterrupt
    _check_diverged(history, args, work)
    train_seconds = time.perf_counter() - started
    stopping = next(
        c for c in callbacks if isinstance(c, keras.callbacks.EarlyStopping)
    )
    test_metrics = app.evaluate(model, data.test, args)
    try:
        app.save_attention(model, data, work / "attention")
    except Exception as error:  # a picture is not worth losing the model
        print(
            f"warning: no attention pictures ({type(error).__name__}: "
            f"{shortened(error, 100)})",
            file=sys.stderr,
        )
    metrics = {
        "test": test_metrics,
        "attention": args.attention,
        "epochs": epochs_done(work / "history.csv"),
        "epochs_requested": args.epochs,
        "best_epoch": stopping.best_epoch + 1,
        "monitor": monitor,
        "patience": args.patience,
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
        print(f"wrote {output / 'model.keras'} and {output / 'metrics.json'}")
    return test_metrics


def epochs_done(history_csv):
    """Epochs finished: the rows of the run's CSV log."""
    if not history_csv.is_file():
        return 0
    with open(history_csv, encoding="utf-8") as file:
        return len([line for line in file.read().splitlines()[1:] if line])


def _load_checked_model(app, args):
    _setup(args)
    return load_model(args.model, app.model_class)


def evaluate(app, args):
    model = _load_checked_model(app, args)
    args.batch_size = args.batch_size or app.default_batch_size
    # Progress and messages to stderr; stdout holds the JSON line only.
    with contextlib.redirect_stdout(sys.stderr):
        test = app.load_test_data(args, model)
        metrics = app.evaluate(model, test, args)
    print(json.dumps(metrics))
    return 0


def predict(app, args):
    inputs = app.read_inputs(args)
    model = _load_checked_model(app, args)
    with contextlib.redirect_stdout(sys.stderr):
        results = app.predict(model, inputs, args)
    for result in results:
        print(json.dumps(to_jsonable(result), ensure_ascii=False))
    return 0


def export(app, args):
    from applications._runner import exporting

    return exporting.export(app, args, _load_checked_model)


COMMANDS = {
    "train": train,
    "evaluate": evaluate,
    "predict": predict,
    "export": export,
}


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
