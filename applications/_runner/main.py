"""`main`: parse the command line, keep the backend quiet, run a command.

Only `argparse` runs before the command is known, so `--help` and
argument errors answer without importing Keras. Without `--verbose`, the
log lines that TensorFlow's C++ runtime writes to stderr while it is
imported (KerasHub imports it on every backend) are held back, and its
later logging is limited to fatal errors. Errors the user can fix print
as one line `error: ...` with exit status 2; Ctrl-C exits with 130 and
says what was kept.
"""

import contextlib
import io
import os
import sys
import tempfile

from applications._runner.arguments import backend_name
from applications._runner.arguments import make_parser
from applications._runner.errors import CheckFailed
from applications._runner.errors import Interrupted
from applications._runner.errors import UsageError
from applications.errors import DataError

# The backends the applications are tested on (Keras has more).
BACKENDS = ("tensorflow", "jax", "torch")


def _one_line(error):
    return " ".join(str(error).split()) or type(error).__name__


@contextlib.contextmanager
def held_stderr():
    """Sends what is written to file descriptor 2 (C++ logging too) to a
    temporary file; prints it only if the block fails."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved, 2)
            held.seek(0)
            sys.stderr.write(held.read().decode("utf-8", "replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def _load(app, verbose):
    """Imports the runner's commands and the application's model (Keras,
    the backend, KerasHub): quietly unless `verbose`."""
    if not verbose:
        # Before TensorFlow is imported: its logging below fatal errors
        # off (set, not defaulted: importing TensorFlow exports its own
        # level 1, which a parent process passes on).
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    with contextlib.nullcontext() if verbose else held_stderr():
        from applications._runner import commands

        app.model_class  # noqa: B018 (imports the model's module)
    return commands


def _check_backend():
    name = backend_name()
    if name not in BACKENDS:
        raise UsageError(
            f"KERAS_BACKEND={name}: the applications run on "
            f"{', '.join(BACKENDS)}; set it to one of them"
        )


def main(app, argv=None):
    """Runs the command line of `app`; returns the exit status."""
    stderr = sys.stderr  # errors print here even with --quiet
    try:
        argv = list(sys.argv[1:] if argv is None else argv)
        args = make_parser(app).parse_args(argv)
        args.argv = argv  # for a command that runs itself again
        _check_backend()
        commands = _load(app, args.verbose)
        quiet = args.quiet and not args.verbose
        with (
            contextlib.redirect_stderr(io.StringIO())
            if quiet
            else (contextlib.nullcontext())
        ):
            return commands.COMMANDS[args.command](app, args)
    except (UsageError, DataError) as error:
        print(f"error: {_one_line(error)}", file=stderr)
        return 2
    except CheckFailed as error:
        print(f"error: {_one_line(error)}", file=stderr)
        return 1
    except Interrupted as stop:
        print(stop, file=stderr)
        return 130
    except KeyboardInterrupt:
        print("interrupted: nothing was written", file=stderr)
        return 130
