"""The command line every application shares: its flags and their types.

    python -m applications.<app> train --data PATH --output DIR
        [--test-data PATH] [--test-fraction F] [--attention NAME]
        [--epochs N] [--batch-size N] [--max-examples N] [--seed N]
        [--precision P] [--overwrite | --resume] [--quiet]
    python -m applications.<app> evaluate --model FILE --data PATH
    python -m applications.<app> predict --model FILE [--explain]
        [--top-k K] [INPUT ... | --input-file FILE | --input-file -]
    python -m applications.<app> export --model FILE --output DIR

An application adds its own flags with `Application.add_arguments`.
Parse errors raise `UsageError` (one line, exit status 2).
"""

import argparse
import sys

from applications._runner.errors import UsageError
from attention_zoo.recipes import PRECISIONS


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
    return train


def make_parser(app):
    parser = _Parser(
        prog=f"python -m applications.{app.name}",
        description=app.description,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    train = _train_parser(commands, app)

    evaluate = commands.add_parser(
        "evaluate", help="print the metrics of a model on --data (JSON)"
    )
    evaluate.add_argument("--model", required=True, help="a model.keras file")
    evaluate.add_argument("--data", required=True, help=app.data_help)
    evaluate.add_argument("--max-examples", type=positive_int)
    evaluate.add_argument("--batch-size", type=positive_int, default=None)
    evaluate.add_argument("--seed", type=seed, default=1337)
    evaluate.add_argument("--quiet", action="store_true")

    predict = commands.add_parser(
        "predict", help="predict raw inputs, one JSON object per line"
    )
    predict.add_argument("--model", required=True, help="a model.keras file")
    predict.add_argument(
        "inputs", nargs="*", metavar="INPUT", help=app.input_help
    )
    predict.add_argument(
        "--input-file",
        help="a UTF-8 file of inputs, one per line ('-': standard input)",
    )
    predict.add_argument(
        "--explain", action="store_true", help="add the most-attended parts"
    )
    predict.add_argument("--top-k", type=positive_int, default=8)
    predict.add_argument("--quiet", action="store_true")

    export = commands.add_parser(
        "export", help="write deployable artifacts of a model"
    )
    export.add_argument("--model", required=True, help="a model.keras file")
    export.add_argument("--output", required=True, help="a new folder")

    for name, command in [
        ("train", train),
        ("evaluate", evaluate),
        ("predict", predict),
        ("export", export),
    ]:
        app.add_arguments(command, name)
    return parser


def read_inputs(args):
    """`predict`'s inputs: the arguments, then the lines of
    `--input-file` (`-` reads standard input); blank lines are skipped."""
    inputs = list(args.inputs)
    if args.input_file is not None:
        try:
            if args.input_file == "-":
                text = sys.stdin.read()
            else:
                with open(args.input_file, encoding="utf-8-sig") as file:
                    text = file.read()
        except (OSError, UnicodeDecodeError) as error:
            raise UsageError(
                f"--input-file {args.input_file} cannot be read "
                f"({getattr(error, 'strerror', None) or error}); expected a "
                "UTF-8 text file with one input per line, or '-'"
            ) from error
        inputs += [line for line in text.splitlines() if line.strip()]
    if not inputs:
        raise UsageError(
            "predict needs at least one INPUT, as arguments or with "
            "--input-file FILE (one per line; '-' reads standard input)"
        )
    return inputs
