"""The one error type of the applications' models, preprocessors and data
loaders for problems with the user's inputs.

`DataError` says what was wrong and what is expected, naming the file (and
line) at fault, never a command-line flag; the command line prints it as
one line `error: ...` and exits with status 2. It is a `ValueError`, so
Python users may catch either. `shortened` keeps a library's own message
inside one short line; `utf8_text` decodes a data file or names the line
that is not UTF-8.
"""


class DataError(ValueError):
    """A problem with the user's data or inputs, said in one line."""


def shortened(text, limit=80):
    """`text` on one line, cut to at most `limit` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def utf8_text(raw, where):
    """The text of a data file's bytes `raw` (UTF-8, with or without the
    BOM of Excel's "CSV UTF-8"), or a `DataError` naming the line of
    `where` that is not UTF-8."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise DataError(
            f"{where} line {line} is not UTF-8 text (byte "
            f"0x{raw[error.start]:02x}); save the file as UTF-8 (in Excel: "
            "CSV UTF-8)"
        ) from error
