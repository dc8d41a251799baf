"""The command line every application shares: its flags and their types.

    python -m applications.<app> train --data PATH --output DIR
        [--test-data PATH] [--test-fraction F] [--attention NAME]
        [--epochs N] [--patience N] [--batch-size N] [--max-examples N]
        [--seed N] [--precision P] [--overwrite | --resume] [--quiet]
    python -m applications.<app> evaluate --model FILE --data PATH
    python -m applications.<app> predict --model FILE [--explain]
        [--top-k K] [INPUT ... | --input-file FILE | --input-file -]
    python -m applications.<app> export --model FILE --output DIR

and `--verbose` on every command. An application adds its own flags with
`Application.add_arguments`. Parse errors raise `UsageError` (one line,
exit status 2). This module imports no Keras: `--help` is quick.
"""

import argparse
import json
import os
import re
import sys
from pathlib import Path

from applications._runner.errors import UsageError

# `attention_zoo.recipes.PRECISIONS`, written out so that parsing needs no
# Keras (a test keeps the two equal).
PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")
PATIENCE = 3
# How `predict --input-file` splits a file (`Application.input_unit`).
INPUT_UNITS = {
    "line": "one per line",
    "paragraph": "separated by blank lines (an input's lines stay together)",
}

TRAIN_WRITES = """\
train writes into --output: model.keras (the model at its best epoch),
metrics.json (held-out metrics and the run's facts), history.csv (every
metric of every epoch), best.keras (the best checkpoint), attention/*.png
(pictures of test examples) and, on TensorFlow with tensorboard
installed, tensorboard/. A stopped run (Ctrl-C, a kill) continues with
--resume; until a run succeeds its files wait in --output/.partial/."""


class _Parser(argparse.ArgumentParser):
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


def non_negative_float(text):
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0.0:
        raise argparse.ArgumentTypeError(
            f"expected a number of 0 or more, received {text!r}"
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


def _train_parser(commands, app):
    train = commands.add_parser(
        "train",
        help="train a model on --data",
        description="Train a model on --data and test it on held-out data.",
        epilog=TRAIN_WRITES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    train.add_argument(
        "--data",
        metavar="PATH",
        help=f"required, except with --resume: {app.data_help}",
    )
    train.add_argument(
        "--output",
        metavar="DIR",
        required=True,
        help="folder of the run (new or empty)",
    )
    train.add_argument(
        "--test-data",
        metavar="PATH",
        help="held-out data in the same format, for data with no test split",
    )
    train.add_argument(
        "--test-fraction",
        metavar="F",
        type=fraction,
        default=app.default_test_fraction,
        help="share held out for testing when the data has no test split "
        f"and no --test-data is given (default {app.default_test_fraction:g})",
    )
    train.add_argument(
        "--attention",
        choices=app.attention_choices,
        default=app.default_attention,
        help=f"the attention variant (default {app.default_attention})",
    )
    train.add_argument(
        "--epochs",
        metavar="N",
        type=positive_int,
        default=None,
        help="epochs at most; early stopping may end sooner (default "
        f"{app.epochs_help()})",
    )
    train.add_argument(
        "--patience",
        metavar="N",
        type=positive_int,
        default=app.default_patience,
        help="stop after this many epochs without a better "
        f"{app.monitor} (default {app.default_patience})",
    )
    train.add_argument(
        "--batch-size",
        metavar="N",
        type=positive_int,
        default=None,
        help=f"examples per step (default {app.default_batch_size})",
    )
    train.add_argument(
        "--max-examples",
        metavar="N",
        type=positive_int,
        help="use at most N training and N test examples (seeded sample)",
    )
    train.add_argument(
        "--seed",
        metavar="N",
        type=seed,
        default=1337,
        help="seed of the split, the weights, dropout and the order of "
        "examples: the same seed gives the same run (default 1337)",
    )
    train.add_argument(
        "--precision",
        choices=PRECISIONS,
        default="float32",
        help="Keras dtype policy; mixed_* compute in 16 bits (default float32)",
    )
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
    return train


MODEL_HELP = "a model.keras file written by train"
# As attention_zoo.export names them (not imported: --help stays fast).
EXPORT_FORMATS = ("tf_saved_model", "litert", "onnx")
EXPORT_QUANTIZATIONS = ("none", "float16", "dynamic_int8", "int8")
EXPORT_EXAMPLES = 100
EXPORT_CALIBRATION_EXAMPLES = 100


def _add_test_data_flags(parser, app, examples_help, default_examples=None):
    """`--data` (its held-out examples are read), `--max-examples` and
    `--seed`, as `evaluate` and `export` take them."""
    parser.add_argument(
        "--data",
        metavar="PATH",
        required=True,
        help=f"{app.data_help}; its test split is read",
    )
    parser.add_argument(
        "--max-examples",
        metavar="N",
        type=positive_int,
        default=default_examples,
        help=examples_help,
    )
    parser.add_argument(
        "--seed",
        metavar="N",
        type=seed,
        default=1337,
        help="seed of --max-examples's sample (default 1337)",
    )


def make_parser(app):
    parser = _Parser(
        prog=f"python -m applications.{app.name}",
        description=app.description,
        epilog=f"backend: KERAS_BACKEND=tensorflow|jax|torch (now "
        f"{backend_name()}). 'COMMAND --help' describes a command.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    train = _train_parser(commands, app)

    evaluate = commands.add_parser(
        "evaluate", help="print the metrics of a model on --data (JSON)"
    )
    evaluate.add_argument(
        "--model", metavar="FILE", required=True, help=MODEL_HELP
    )
    _add_test_data_flags(
        evaluate, app, "evaluate a seeded sample of N examples (default: all)"
    )
    evaluate.add_argument(
        "--batch-size",
        metavar="N",
        type=positive_int,
        default=None,
        help=f"examples per step (default {app.default_batch_size})",
    )

    predict = commands.add_parser(
        "predict", help="predict raw inputs, one JSON object per line"
    )
    predict.add_argument(
        "--model", metavar="FILE", required=True, help=MODEL_HELP
    )
    predict.add_argument(
        "inputs", nargs="*", metavar="INPUT", help=app.input_help
    )
    predict.add_argument(
        "--input-file",
        metavar="FILE",
        help=f"a UTF-8 file of inputs, {INPUT_UNITS[app.input_unit]} "
        "('-': standard input)",
    )
    predict.add_argument(
        "--explain", action="store_true", help="add the most-attended parts"
    )
    predict.add_argument(
        "--top-k",
        metavar="K",
        type=positive_int,
        default=app.default_top_k,
        help="how many labels, items or attended parts to list (default "
        f"{app.default_top_k})",
    )

    export = commands.add_parser(
        "export",
        help="write SavedModel, LiteRT and ONNX files of a model, each "
        "checked against it in its runtime",
    )
    export.add_argument(
        "--model", metavar="FILE", required=True, help=MODEL_HELP
    )
    export.add_argument(
        "--output",
        metavar="DIR",
        required=True,
        help="folder of the export (new or empty)",
    )
    export.add_argument(
        "--format",
        nargs="+",
        action="extend",
        choices=EXPORT_FORMATS,
        help="what to write (default: all three)",
    )
    export.add_argument(
        "--quantize",
        choices=EXPORT_QUANTIZATIONS,
        default="none",
        help="litert: float16 weights, dynamic_int8 (int8 weights) or int8 "
        "(weights and activations, calibrated on --data); onnx: "
        "dynamic_int8 (default none: float32)",
    )
    _add_test_data_flags(
        export,
        app,
        "check the export on a seeded sample of N held-out examples "
        f"(default {EXPORT_EXAMPLES})",
        default_examples=EXPORT_EXAMPLES,
    )
    export.add_argument(
        "--calibration-data",
        metavar="PATH",
        help="with --quantize int8: a training file in --data's format "
        "(read as --data is: a data set's test split, else all of it); "
        f"{EXPORT_CALIBRATION_EXAMPLES} of its examples calibrate the int8 "
        "ranges (default: the examples checked, of --data)",
    )
    export.add_argument(
        "--overwrite",
        action="store_true",
        help="replace a non-empty --output once this export has passed",
    )

    for name, command in [
        ("train", train),
        ("evaluate", evaluate),
        ("predict", predict),
        ("export", export),
    ]:
        app.add_arguments(command, name)
        command.add_argument(
            "--quiet",
            action="store_true",
            help="no progress or messages on stderr (results and errors "
            "still print)",
        )
        command.add_argument(
            "--verbose",
            action="store_true",
            help="show the backend's own log lines (TensorFlow, XLA)",
        )
    return parser


def backend_name():
    """The Keras backend a run will use, found without importing Keras:
    KERAS_BACKEND, else ~/.keras/keras.json, else Keras's default."""
    if os.environ.get("KERAS_BACKEND"):
        return os.environ["KERAS_BACKEND"]
    home = os.environ.get("KERAS_HOME", Path.home() / ".keras")
    try:
        config = json.loads((Path(home) / "keras.json").read_text())
        return str(config.get("backend", "tensorflow"))
    except (OSError, ValueError):
        return "tensorflow"


def read_inputs(args, unit="line"):
    """`predict`'s inputs: the arguments, then those of `--input-file`
    (`-` reads standard input): its lines (`unit="line"`, blank lines
    skipped) or its blocks of lines between blank lines
    (`"paragraph"`)."""
    inputs = list(args.inputs)
    per = INPUT_UNITS[unit]
    if args.input_file is not None:
        try:
            if args.input_file == "-":
                text = sys.stdin.read()
            else:
                with open(args.input_file, encoding="utf-8-sig") as file:
                    text = file.read()
        except OSError as error:
            raise UsageError(
                f"--input-file {args.input_file} cannot be read "
                f"({error.strerror}); expected a UTF-8 text file of inputs, "
                f"{per}, or '-'"
            ) from error
        except UnicodeDecodeError as error:
            raise UsageError(
                f"--input-file {args.input_file} is not UTF-8 (byte "
                f"{error.start}); save it as UTF-8, {per}"
            ) from error
        if unit == "paragraph":
            blocks = re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n"))
            inputs += [block.strip() for block in blocks if block.strip()]
        else:
            inputs += [line for line in text.splitlines() if line.strip()]
    if not inputs:
        raise UsageError(
            "predict needs at least one INPUT, as arguments or with "
            f"--input-file FILE ({per}; '-' reads standard input)"
        )
    return inputs
