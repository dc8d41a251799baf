"""Next-item recommendation with attention: `Recommender` (self-attentive
SASRec-style, DIN-style target attention, and matrix factorization and
popularity baselines), its data loaders (MovieLens and interaction logs,
split leave-one-out), recipe and ranking evaluation. Command line:
`python -m applications.recommender` (`cli.py`).

Its names load on first use (PEP 562), so that `python -m
applications.recommender --help` answers without loading Keras. Import
`Recommender` (or `recipe`) before `keras.saving.load_model` reads a
saved one: that import registers the classes."""

from applications._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "ATTENTIONS": "defaults",
        "Recommender": "model",
    },
    submodules=("data", "ranking", "recipe"),
)
