"""Translation with attention: `Translator` (a recurrent or Transformer
encoder-decoder of `applications._seq2seq` and its SentencePiece
preprocessor), its data loaders and recipe. Command line: `python -m
applications.translator` (`cli.py`).

Its names load on first use (PEP 562), so that `python -m
applications.translator --help` answers without loading Keras. Import
`Translator` (or `recipe`) before `keras.saving.load_model` reads a saved
one: that import registers the classes."""

from applications._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "ATTENTIONS": "defaults",
        "Translator": "model",
    },
    submodules=("data", "recipe"),
)
