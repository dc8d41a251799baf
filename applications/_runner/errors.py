"""`UsageError`: a mistake on the command line (a flag, a path, a
folder), printed as one line with exit status 2, like a `DataError`."""


class UsageError(Exception):
    """A mistake of the user on the command line."""
