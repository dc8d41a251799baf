"""Package names that load on first use (PEP 562), so that `python -m
applications.<app> --help` answers without loading Keras."""

import importlib


def lazy_exports(package, exports, submodules=()):
    """Returns `(__getattr__, __dir__, __all__)` for the package `package`.

    Args:
        package: the package's `__name__`.
        exports: `{name: module}`: each name is defined in
            `package.module`, imported when the name is first used.
        submodules: names of the package's modules, imported on use.
    """

    def __getattr__(name):
        if name in submodules:
            return importlib.import_module(f"{package}.{name}")
        if name in exports:
            module = importlib.import_module(f"{package}.{exports[name]}")
            return getattr(module, name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    names = sorted([*exports, *submodules])

    def __dir__():
        return names

    return __getattr__, __dir__, names
