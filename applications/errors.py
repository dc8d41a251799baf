"""The one error type of the applications' models, preprocessors and data
loaders for problems with the user's inputs.

`DataError` says what was wrong and what is expected, naming the file (and
line) at fault, never a command-line flag; the command line prints it as
one line `error: ...` and exits with status 2. It is a `ValueError`, so
Python users may catch either. `shortened` keeps a library's own message
inside one short line.
"""


class DataError(ValueError):
    """A problem with the user's data or inputs, said in one line."""


def shortened(text, limit=80):
    """`text` on one line, cut to at most `limit` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
