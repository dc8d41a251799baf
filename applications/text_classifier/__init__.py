"""Text classification with attention: `TextClassifier` (a
`TextClassifierBackbone` and a `TextClassifierPreprocessor`), its data
loaders and recipe. Command line: `python -m applications.text_classifier`
(`cli.py`).

Its names load on first use (PEP 562), so that `python -m
applications.text_classifier --help` answers without loading Keras. Import
`TextClassifier` (or `recipe`) before `keras.saving.load_model` reads a saved
one: that import registers the classes; `import applications.text_classifier`
alone does not."""

from applications._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "ATTENTIONS": "defaults",
        "TextClassifier": "model",
        "TextClassifierBackbone": "model",
        "TextClassifierPreprocessor": "preprocessor",
    },
    submodules=("data", "recipe"),
)
