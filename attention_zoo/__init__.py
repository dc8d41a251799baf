"""attention-zoo: attention layers and models for Keras 3.

Runs unchanged on TensorFlow, JAX and PyTorch (`KERAS_BACKEND`).

The sub-packages load on first use (PEP 562), so that importing one of
them (say `attention_zoo.metrics`) does not import every layer.
"""

import importlib

__version__ = "0.1.0"

__all__ = ["callbacks", "layers", "metrics", "ops", "recipes", "visualize"]


def __getattr__(name):
    if name in __all__:
        return importlib.import_module(f"attention_zoo.{name}")
    raise AttributeError(f"module 'attention_zoo' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *__all__])
