"""How the recommender is trained: its item map and model built from the
training histories, and the fit loop a user would write.

    from applications.recommender import data, recipe

    splits = data.load("../shared/data/movielens/ml-latest-small.zip")
    model = recipe.build(splits, attention="multi_head")
    x, y = recipe.training_arrays(model, splits)
    model.fit(x, y, batch_size=128, epochs=50)
    model.predict(["1,50,260,1196"])  # scores of every item
"""

from collections import Counter

import numpy as np

from applications.recommender.backbones import FACTORIZATION
from applications.recommender.backbones import SELF_ATTENTION
from applications.recommender.backbones import FactorizationBackbone
from applications.recommender.backbones import SelfAttentionBackbone
from applications.recommender.backbones import TargetAttentionBackbone
from applications.recommender.defaults import SEQUENCE_LENGTH
from applications.recommender.defaults import TRAINING_NEGATIVES
from applications.recommender.examples import prefix_examples
from applications.recommender.examples import sequence_windows
from applications.recommender.model import Recommender
from applications.recommender.preprocessor import RecommenderPreprocessor

# SASRec's sizes on MovieLens (d = 50 there), rounded to 64.
SELF_ATTENTION_SIZES = {
    "num_layers": 2,
    "hidden_dim": 64,
    "intermediate_dim": 256,
    "num_heads": 2,
    "dropout": 0.2,
}
TARGET_ATTENTION_SIZES = {"hidden_dim": 64, "dropout": 0.2}
FACTORIZATION_SIZES = {"hidden_dim": 64}


def training_counts(splits):
    """Item id -> interactions in the training histories."""
    counts = Counter()
    for history in splits.train:
        counts.update(history)
    return counts


def build_preprocessor(splits, sequence_length=None):
    """A `RecommenderPreprocessor` of every item in `splits` (held-out
    ones too, as SASRec's item set), most trained first, and its users."""
    counts = training_counts(splits)
    for items in (splits.validation, splits.test):
        for item in items:
            counts.setdefault(item, 0)
    items = sorted(counts, key=lambda item: (-counts[item], item))
    titles = None
    if splits.titles:
        titles = [splits.titles.get(item, "") for item in items]
    if sequence_length is None:
        sequence_length = SEQUENCE_LENGTH
        longest = max(len(h) for h in splits.train) + 1
        sequence_length = max(2, min(sequence_length, longest))
    return RecommenderPreprocessor(
        items, sequence_length, users=splits.users, titles=titles
    )


def build(
    splits,
    attention="multi_head",
    sequence_length=None,
    num_negatives=TRAINING_NEGATIVES,
    seed=None,
    **backbone_kwargs,
):
    """A compiled `Recommender` for `splits` (`data.UserSplits`)."""
    preprocessor = build_preprocessor(splits, sequence_length)
    common = {
        "item_count": preprocessor.item_count,
        "sequence_length": preprocessor.sequence_length,
    }
    loss = "softmax"
    if attention in SELF_ATTENTION:
        backbone = SelfAttentionBackbone(
            attention=attention,
            **common,
            **{**SELF_ATTENTION_SIZES, **backbone_kwargs},
        )
    elif attention in FACTORIZATION:
        backbone = FactorizationBackbone(
            user_count=len(preprocessor.users),
            user_factors=attention == "mf",
            **common,
            **{**FACTORIZATION_SIZES, **backbone_kwargs},
        )
        loss = "bpr" if attention == "mf" else "softmax"
    else:
        backbone = TargetAttentionBackbone(
            attention=attention,
            **common,
            **{**TARGET_ATTENTION_SIZES, **backbone_kwargs},
        )
    if attention not in SELF_ATTENTION:
        # Item biases start where softmax training of biases alone
        # converges, the log counts: popularity from the first step.
        counts = training_counts(splits)
        log_counts = np.log1p(
            [counts.get(item, 0) for item in preprocessor.items]
        )
        backbone.bias.embeddings.assign(
            np.concatenate([[0.0], log_counts])[:, None].astype("float32")
        )
    model = Recommender(
        backbone,
        preprocessor,
        num_negatives=num_negatives,
        loss=loss,
        seed=seed,
    )
    model.compile()
    return model


def training_arrays(model, splits):
    """`(x, y)` of `splits`' training histories, as `model.fit` takes
    them (`examples.py`)."""
    preprocessor = model.preprocessor
    histories = [preprocessor.item_indices(h) for h in splits.train]
    histories = [h[h > 0] for h in histories]
    users = preprocessor.user_indices(splits.users)
    length = preprocessor.sequence_length
    if model.backbone.kind == "sequence":
        history, user, targets = sequence_windows(histories, users, length)
        return {"history": history, "user": user, "next_items": targets}, (
            targets
        )
    history, user, target = prefix_examples(histories, users, length)
    return {"history": history, "user": user, "positive": target}, (
        np.zeros(len(target), "int32")
    )
