"""Summarization with attention: `Summarizer` (an encoder-decoder of
`applications._seq2seq`, with a pointer-generator variant that copies
source words), its data loaders, recipe and Lead baseline. Command line:
`python -m applications.summarizer` (`cli.py`).

Its names load on first use (PEP 562), so that `python -m
applications.summarizer --help` answers without loading Keras. Import
`Summarizer` (or `recipe`) before `keras.saving.load_model` reads a saved
one: that import registers the classes."""

from applications._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "ATTENTIONS": "defaults",
        "Summarizer": "model",
    },
    submodules=("data", "lead", "recipe"),
)
