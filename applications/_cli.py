"""The command line every application shares: train, evaluate, predict.

An application plugs in a small `Application` object (how to load its
data, build and compile its model, score it, predict raw inputs and draw
its attention); `main(application)` does the rest, the same way for all:

    python -m applications.<app> train --data PATH --output DIR
        [--test-data PATH] [--attention NAME] [--epochs N] [--batch-size N]
        [--max-examples N] [--seed N] [--precision P]
        [--overwrite | --resume] [--quiet]
    python -m applications.<app> evaluate --model DIR/model.keras --data PATH
    python -m applications.<app> predict --model DIR/model.keras [--explain]
        INPUT...

`train` writes `DIR/model.keras`, `DIR/metrics.json`, `DIR/history.csv`,
`DIR/best.keras` and `DIR/attention/*.png`. Runs never clobber each
other:

- an existing non-empty `DIR` is refused before anything is read or
  written, unless `--overwrite` (start afresh) or `--resume` (continue a
  stopped run);
- training works in `DIR/.partial/` (the `callbacks.standard` bundle keeps
  its `BackupAndRestore` backup there); the results replace an earlier
  run's files only when the run has succeeded, each file written under a
  temporary name and renamed, so a failed or killed run leaves the earlier
  run as it was, and `--resume` continues from the backup.

User mistakes (a missing or unreadable path, data in the wrong layout, an
unknown `--attention`, ...) raise `UsageError`; `main` prints them as one
line `error: ...` on stderr and returns exit status 2, without traceback.
"""

import argparse
import contextlib
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import keras
import numpy as np

from applications._recipe import VALIDATION_SPLIT
from attention_zoo import callbacks as zoo_callbacks
from attention_zoo.recipes import PRECISIONS
from attention_zoo.recipes import set_precision

WORK_DIR = ".partial"  # inside the output folder, while a run trains
RUN_FILE = "run.json"  # the arguments of the run, for --resume


class UsageError(Exception):
    """A mistake of the user: printed as one line, exit status 2."""


@dataclass
class Splits:
    """What `Application.load_data` returns: inputs and targets of the
    training and test splits (in the form the model's `fit` takes), and
    `info`, a JSON-able dict recorded in `metrics.json`."""

    x_train: object
    y_train: object
    x_test: object
    y_test: object
    info: dict = field(default_factory=dict)


class Application:
    """What an application tells the runner. Override the methods.

    Attributes:
        name: the package name, `python -m applications.<name>`.
        description: one line for `--help`.
        attention_choices: the values of `--attention`.
        default_attention: its default.
        default_epochs, default_batch_size: defaults of those flags.
        data_help: what `--data` accepts.
    """

    name = "application"
    description = ""
    attention_choices = ()
    default_attention = None
    default_epochs = 5
    default_batch_size = 32
    data_help = "the data"
    input_help = "raw inputs to predict"

    def add_arguments(self, parser, command):
        """Adds the application's own flags to `command`'s parser."""

    def load_data(self, args):
        """Returns the `Splits` of `args.data` (and `args.test_data`)."""
        raise NotImplementedError

    def build_model(self, args, splits):
        """Returns the compiled model for `splits`."""
        raise NotImplementedError

    def load_test_data(self, args, model):
        """Returns `(x, y)` of `args.data` for `evaluate`, encoded for
        `model`."""
        raise NotImplementedError

    def evaluate(self, model, x, y, verbose):
        """Returns the held-out metrics, a dict of floats."""
        raise NotImplementedError

    def predict(self, model, inputs, explain, top_k, verbose):
        """Returns one JSON-able dict per input."""
        raise NotImplementedError

    def save_attention(self, model, splits, directory):
        """Writes attention pictures of test examples into `directory`."""

    def check_model(self, model):
        """Raises `UsageError` if `model` is not this application's."""


# Argument parsing ------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """Parse errors become `UsageError` (one line, exit status 2)."""

    def error(self, message):
        raise UsageError(message)


def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"expected a positive integer, received {text!r}"
        )
    return value


def fraction(text):
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(
            f"expected a number between 0 and 1, received {text!r}"
        )
    return value


def seed(text):
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(
            f"expected an integer from 0 to 2**32 - 1, received {text!r}"
        )
    return value


def make_parser(app):
    parser = _Parser(
        prog=f"python -m applications.{app.name}",
        description=app.description,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    train = commands.add_parser("train", help="train a model on --data")
    train.add_argument("--data", help=app.data_help)
    train.add_argument(
        "--output", required=True, help="folder of the run (new or empty)"
    )
    train.add_argument(
        "--test-data",
        help="held-out data in the same format, for data with no test split",
    )
    train.add_argument(
        "--test-fraction",
        type=fraction,
        default=0.2,
        help="share held out when the data has no test split",
    )
    train.add_argument(
        "--attention",
        choices=app.attention_choices,
        default=app.default_attention,
        help=f"the attention variant (default {app.default_attention})",
    )
    train.add_argument("--epochs", type=positive_int, default=None)
    train.add_argument("--batch-size", type=positive_int, default=None)
    train.add_argument(
        "--max-examples",
        type=positive_int,
        help="use at most N training and N test examples (seeded sample)",
    )
    train.add_argument("--seed", type=seed, default=1337)
    train.add_argument("--precision", choices=PRECISIONS, default="float32")
    again = train.add_mutually_exclusive_group()
    again.add_argument(
        "--overwrite",
        action="store_true",
        help="replace the run in a non-empty --output once this one succeeds",
    )
    again.add_argument(
        "--resume",
        action="store_true",
        help="continue the stopped run in --output from its backup",
    )
    train.add_argument("--quiet", action="store_true", help="no progress bars")
    app.add_arguments(train, "train")

    evaluate = commands.add_parser(
        "evaluate", help="print the metrics of a model on --data (JSON)"
    )
    evaluate.add_argument("--model", required=True, help="a model.keras file")
    evaluate.add_argument("--data", required=True, help=app.data_help)
    evaluate.add_argument("--max-examples", type=positive_int)
    evaluate.add_argument("--batch-size", type=positive_int, default=None)
    evaluate.add_argument("--seed", type=seed, default=1337)
    evaluate.add_argument("--quiet", action="store_true")
    app.add_arguments(evaluate, "evaluate")

    predict = commands.add_parser(
        "predict", help="predict raw inputs, one JSON object per line"
    )
    predict.add_argument("--model", required=True, help="a model.keras file")
    predict.add_argument(
        "inputs", nargs="*", metavar="INPUT", help=app.input_help
    )
    predict.add_argument(
        "--explain", action="store_true", help="add the most-attended parts"
    )
    predict.add_argument("--top-k", type=positive_int, default=8)
    predict.add_argument("--quiet", action="store_true")
    app.add_arguments(predict, "predict")
    return parser


# Files -----------------------------------------------------------------------


@contextlib.contextmanager
def atomic_path(final_path):
    """Yields a temporary path next to `final_path`, renamed onto it when
    the block succeeds and removed when it fails."""
    final_path = Path(final_path)
    handle, temporary = tempfile.mkstemp(
        dir=final_path.parent,
        prefix=f".{final_path.stem}-",
        suffix=final_path.suffix,
    )
    os.close(handle)
    try:
        yield temporary
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, final_path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temporary)
        raise


def write_json(path, value):
    with atomic_path(path) as temporary:
        with open(temporary, "w", encoding="utf-8") as file:
            json.dump(value, file, indent=2)
            file.write("\n")


def publish(source, target):
    """Moves the file or folder `source` onto `target`, replacing it; an
    old folder is renamed aside first and deleted after the move."""
    source, target = Path(source), Path(target)
    if not source.exists():
        return
    if source.is_dir():
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}-old-{os.getpid()}")
            os.replace(target, old)
        os.replace(source, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(source, target)


def check_output(args):
    """Refuses an output folder that would clobber a run; touches nothing.

    Returns the working folder `DIR/.partial`."""
    output = Path(args.output)
    work = output / WORK_DIR
    if output.exists() and not output.is_dir():
        raise UsageError(f"--output {output} is a file; expected a folder")
    if args.resume:
        if not (work / "backup").is_dir() or not (work / RUN_FILE).is_file():
            raise UsageError(
                f"--resume: {output} holds no stopped run to continue "
                f"(no {work / 'backup'}); start a new run without --resume"
            )
        return work
    parent = output if output.exists() else output.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(
            f"--output {output}: {parent} is not writable; choose a folder "
            "you can write to"
        )
    if output.is_dir() and any(output.iterdir()) and not args.overwrite:
        raise UsageError(
            f"--output {output} is not empty (an earlier run?); choose a new "
            "folder, or add --overwrite to replace it or --resume to "
            "continue a stopped run"
        )
    return work


def load_model(path):
    path = Path(path)
    if not path.is_file():
        raise UsageError(
            f"--model {path} does not exist; expected a model.keras file "
            "written by train"
        )
    try:
        return keras.saving.load_model(path)
    except Exception as error:  # a foreign or damaged file
        raise UsageError(
            f"--model {path} could not be loaded as a Keras model "
            f"({type(error).__name__}: {error})"
        ) from error


# Commands --------------------------------------------------------------------


def _setup(args):
    if keras.backend.backend() == "torch" and "OMP_NUM_THREADS" not in (
        os.environ
    ):
        import torch

        # Small models: PyTorch's default threads stall on a busy CPU.
        torch.set_num_threads(1)
    keras.utils.set_random_seed(args.seed)


def train(app, args):
    work = check_output(args)
    output = Path(args.output)
    if args.resume:
        saved = json.loads((work / RUN_FILE).read_text(encoding="utf-8"))
        for name, value in saved.items():
            if name not in ("resume", "overwrite", "quiet", "output"):
                setattr(args, name, value)
    elif args.data is None:
        raise UsageError("train needs --data PATH")
    args.epochs = args.epochs or app.default_epochs
    args.batch_size = args.batch_size or app.default_batch_size
    verbose = 0 if args.quiet else "auto"
    _setup(args)
    set_precision(args.precision)

    splits = app.load_data(args)
    model = app.build_model(args, splits)

    # Everything above only read; from here on the run writes, in `work`.
    if not args.resume and work.exists():
        shutil.rmtree(work)  # a stopped run given up with --overwrite
    work.mkdir(parents=True, exist_ok=True)
    write_json(work / RUN_FILE, vars(args))
    n_train = len(splits.y_train)
    validation = VALIDATION_SPLIT if n_train >= 20 else 0.0
    callbacks = zoo_callbacks.standard(
        work,
        monitor="val_loss" if validation else "loss",
        patience=3,
    )
    started = time.perf_counter()
    history = model.fit(
        splits.x_train,
        splits.y_train,
        batch_size=args.batch_size,
        epochs=args.epochs,
        validation_split=validation,
        callbacks=callbacks,
        verbose=verbose,
    )
    train_seconds = time.perf_counter() - started
    test_metrics = app.evaluate(
        model, splits.x_test, splits.y_test, verbose=verbose
    )
    try:
        app.save_attention(model, splits, work / "attention")
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
        "train_seconds": round(train_seconds, 3),
        "backend": keras.backend.backend(),
        "precision": args.precision,
        "seed": args.seed,
        "examples": {"train": n_train, "test": len(splits.y_test)},
        "data": args.data,
        **splits.info,
    }

    # Publish: each file complete before it replaces the earlier one.
    with atomic_path(output / "model.keras") as temporary:
        model.save(temporary)
    for name in ("history.csv", "best.keras", "attention", "tensorboard"):
        publish(work / name, output / name)
    write_json(output / "metrics.json", metrics)
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


def evaluate(app, args):
    model = load_model(args.model)
    app.check_model(model)
    _setup(args)
    x, y = app.load_test_data(args, model)
    # Progress bars go to stderr: stdout holds only the JSON line.
    with contextlib.redirect_stdout(sys.stderr):
        metrics = app.evaluate(model, x, y, verbose=0 if args.quiet else 1)
    print(json.dumps(metrics))
    return 0


def predict(app, args):
    if not args.inputs:
        raise UsageError("predict needs at least one INPUT")
    model = load_model(args.model)
    app.check_model(model)
    with contextlib.redirect_stdout(sys.stderr):
        results = app.predict(
            model,
            args.inputs,
            explain=args.explain,
            top_k=args.top_k,
            verbose=0,
        )
    for result in results:
        print(json.dumps(result, ensure_ascii=False))
    return 0


COMMANDS = {"train": train, "evaluate": evaluate, "predict": predict}


def _one_line(error):
    return " ".join(str(error).split()) or type(error).__name__


def main(app, argv=None):
    """Runs the command line of `app`; returns the exit status."""
    try:
        args = make_parser(app).parse_args(argv)
        return COMMANDS[args.command](app, args)
    except UsageError as error:
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
