"""Image classification with attention: `ImageClassifier` (an
`ImageClassifierBackbone` and an `ImageClassifierPreprocessor`), its data
loaders and recipe. Command line: `python -m applications.image_classifier`
(`cli.py`).

Its names load on first use (PEP 562), so that `python -m
applications.image_classifier --help` answers without loading Keras. Import
`ImageClassifier` (or `recipe`) before `keras.saving.load_model` reads a saved
one: that import registers the classes; `import applications.image_classifier`
alone does not."""

from applications._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "ATTENTIONS": "defaults",
        "ImageClassifier": "model",
        "ImageClassifierBackbone": "model",
        "ImageClassifierPreprocessor": "preprocessor",
    },
    submodules=("data", "recipe"),
)
