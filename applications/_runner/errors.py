"""`UsageError`: a mistake on the command line (a flag, a path, a
folder), printed as one line with exit status 2, like a `DataError`;
`CheckFailed`: a result failed its own check (an export that does not
match its model), one line, exit status 1; `Interrupted`: Ctrl-C stopped
a command (exit status 130)."""


class UsageError(Exception):
    """A mistake of the user on the command line."""


class CheckFailed(Exception):
    """What a command made failed its check; nothing was published."""


class Interrupted(Exception):
    """Ctrl-C stopped a command; the message says what was kept (printed
    as one line, exit status 130)."""
