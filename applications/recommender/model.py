"""`Recommender`: next-item recommendation from a user's history."""

import keras
import numpy as np
from keras import ops

from applications._task import TaskMethods
from applications.recommender.backbones import FactorizationBackbone
from applications.recommender.backbones import SelfAttentionBackbone
from applications.recommender.backbones import TargetAttentionBackbone
from applications.recommender.losses import bpr_loss
from applications.recommender.losses import masked_positive_first_cross_entropy
from applications.recommender.losses import positive_first_cross_entropy
from applications.recommender.preprocessor import RecommenderPreprocessor
from attention_zoo._checks import check_choice
from attention_zoo._checks import check_positive_int

__all__ = [
    "FactorizationBackbone",
    "Recommender",
    "SelfAttentionBackbone",
    "TargetAttentionBackbone",
]

LOSSES = ("softmax", "bpr")
EXCLUDED = -1e9  # the score of the padding index, never recommended
# `score_items` scores as many candidates at a time as keep a target
# attention's `(batch, candidates, history, units)` tensor this small.
SCORING_FLOATS = 2**25


@keras.saving.register_keras_serializable(package="applications")
class Recommender(TaskMethods, keras.Model):
    """Scores every item as a user's next one, from their history.

    `model(x)` takes `{"history": (batch, sequence_length) int32 indices,
    left-padded, "user": (batch,) int32}` and returns `(batch,
    item_count + 1)` float32 scores (index 0, padding, at `EXCLUDED`);
    `predict`, `fit` and `evaluate` also take raw histories (lists of item
    id strings or `"ID,ID,..."`), which `preprocessor` maps.

    Training is SASRec's for a `SelfAttentionBackbone`: the next item at
    every position of a history, a softmax over the true next item and
    `num_negatives` items drawn for the whole batch (over the whole
    catalogue with `num_negatives=None`); `x` holds those `(batch,
    sequence_length)` items as `"next_items"` (0: no target) and so does
    `y`. The other backbones score the true next
    item `x["positive"]` `(batch,)` against `num_negatives` items drawn
    uniformly in the training step (fresh every step, no Python loop):
    a sampled softmax (target attention, popularity) or BPR (`mf`,
    `loss="bpr"`). `preprocess_pairs` makes these of raw histories.

    The model is a subclassed `keras.Model` (not a functional `Task` like
    the other applications') because training and scoring differ in
    their outputs; `TaskMethods` gives it the tasks' raw inputs, compile
    defaults and config.

    Args:
        backbone: one of `recommender.backbones`.
        preprocessor: a `RecommenderPreprocessor`.
        num_negatives: negatives per example of a sampled objective
            (`None`: a sequence backbone's softmax over every item).
        loss: `"softmax"` or `"bpr"` (the sampled objective's loss).
        seed: seed of the negatives.
    """

    preprocessor_cls = RecommenderPreprocessor

    def __init__(
        self,
        backbone,
        preprocessor,
        num_negatives=100,
        loss="softmax",
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.backbone = backbone  # a tracked layer: its weights are saved
        self.__dict__["preprocessor"] = preprocessor  # no layer at all
        self.dtype_policy = backbone.dtype_policy
        self.num_negatives = check_positive_int(
            "num_negatives", num_negatives, allow_none=True
        )
        self.loss_name = check_choice("loss", loss, LOSSES)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.item_count = backbone.item_count
        self.built = True  # the backbone was built when it was made

    def build(self, input_shape=None):
        self.built = True

    # Scores ------------------------------------------------------------------

    def _all_items(self, batch):
        items = ops.arange(1, self.item_count + 1, dtype="int32")
        return ops.broadcast_to(items[None, :], (batch, self.item_count))

    def candidate_scores(self, x, candidates, training=False):
        """`(batch, C)` scores of `candidates` `(batch, C)` indices."""
        backbone = self.backbone
        if backbone.kind == "sequence":
            features = backbone({"history": x["history"]}, training=training)
            return backbone.score(features["features"][:, -1], candidates)
        inputs = {"candidates": candidates}
        for name in ("history", "user"):
            if name in backbone.input:
                inputs[name] = x[name]
        return backbone(inputs, training=training)["scores"]

    def call(self, x, training=False):
        # What to return follows the inputs, not `training`: Keras builds
        # a model for `fit` with `training=False`.
        if "next_items" in x:
            return self._every_position_scores(x, training)
        if "positive" in x:
            return self._sampled_scores(x, training)
        batch = ops.shape(x["history"])[0]
        if self.backbone.kind == "sequence":
            features = self.backbone({"history": x["history"]})
            scores = self.backbone.item_embedding(
                features["features"][:, -1], reverse=True
            )
            scores = ops.cast(scores, "float32")[:, 1:]
        else:
            scores = self.candidate_scores(x, self._all_items(batch))
        padding = ops.full((batch, 1), EXCLUDED, dtype="float32")
        return ops.concatenate([padding, scores], axis=1)

    def _every_position_scores(self, x, training):
        """`(batch, sequence_length, candidates)` scores of the next item
        at every position: over the whole catalogue, or (with
        `num_negatives`) of the true next item first and `num_negatives`
        items drawn for the whole batch (an accidental hit scores
        `EXCLUDED`)."""
        features = self.backbone({"history": x["history"]}, training=training)
        features = ops.cast(features["features"], "float32")
        embedding = self.backbone.item_embedding
        if self.num_negatives is None:
            logits = embedding(features, reverse=True)
            padding = ops.arange(self.item_count + 1) == 0
            return ops.where(padding, EXCLUDED, logits)
        positives = ops.cast(x["next_items"], "int32")
        negatives = keras.random.randint(
            (self.num_negatives,),
            1,
            self.item_count + 1,
            dtype="int32",
            seed=self.seed_generator,
        )
        positive = ops.sum(
            features * ops.cast(embedding(positives), "float32"), axis=-1
        )
        negative = ops.einsum(
            "bld,kd->blk", features, ops.cast(embedding(negatives), "float32")
        )
        hit = ops.equal(positives[:, :, None], negatives[None, None, :])
        negative = ops.where(hit, EXCLUDED, negative)
        return ops.concatenate([positive[:, :, None], negative], axis=-1)

    def _sampled_scores(self, x, training):
        """`(batch, 1 + num_negatives)` scores, the true next item
        (`x["positive"]`) first; a negative that is the positive scores
        `EXCLUDED` (an accidental hit)."""
        positive = ops.cast(x["positive"], "int32")[:, None]
        batch = ops.shape(positive)[0]
        negatives = keras.random.randint(
            (batch, self.num_negatives),
            1,
            self.item_count + 1,
            dtype="int32",
            seed=self.seed_generator,
        )
        candidates = ops.concatenate([positive, negatives], axis=1)
        scores = self.candidate_scores(x, candidates, training=training)
        hit = ops.concatenate(
            [
                ops.zeros_like(positive, dtype="bool"),
                ops.equal(negatives, positive),
            ],
            axis=1,
        )
        return ops.where(hit, EXCLUDED, scores)

    def score_items(self, x, batch_size=64):
        """numpy `(n, item_count + 1)` scores of inputs `x` (raw, or as
        `preprocessor` makes them). A target-attention backbone scores the
        catalogue a block at a time (its additive score holds a `(batch,
        candidates, history, units)` tensor), so that memory stays under
        `SCORING_FLOATS` floats whatever the catalogue; `model(x)` scores
        it at once."""
        x = self.preprocess(x)
        count = len(x["history"])
        rows = []
        for start in range(0, count, batch_size):
            part = {k: v[start : start + batch_size] for k, v in x.items()}
            if self.backbone.kind == "sequence":
                rows.append(ops.convert_to_numpy(self(part)))
                continue
            batch, length = part["history"].shape
            width = getattr(self.backbone, "hidden_dim", 1)
            chunk = max(64, SCORING_FLOATS // (batch * length * width))
            columns = [np.full((batch, 1), EXCLUDED, "float32")]
            for first in range(1, self.item_count + 1, chunk):
                items = np.arange(
                    first,
                    min(first + chunk, self.item_count + 1),
                    dtype="int32",
                )
                candidates = np.broadcast_to(items, (batch, len(items)))
                columns.append(
                    ops.convert_to_numpy(
                        self.candidate_scores(part, candidates)
                    )
                )
            rows.append(np.concatenate(columns, axis=1))
        if not rows:
            return np.zeros((0, self.item_count + 1), "float32")
        return np.concatenate(rows, axis=0)

    def attention(self, x, items):
        """numpy `(n, sequence_length)` attention of each history on its
        own last position (self-attention), or of `items` `(n,)` (the
        recommended item, say) over the history (target attention);
        `None` for a backbone without attention."""
        x = self.preprocess(x)
        kind = self.backbone.kind
        if kind == "sequence":
            weights = self.backbone({"history": x["history"]})["attention"]
            return ops.convert_to_numpy(weights)[:, -1]
        if "attention" not in self.backbone.output:
            return None
        outputs = self.backbone(
            {
                "history": x["history"],
                "candidates": np.asarray(items, "int32")[:, None],
            }
        )
        return ops.convert_to_numpy(outputs["attention"])[:, 0]

    # Training ------------------------------------------------------------

    def preprocess_pairs(self, x, y=None):
        """`(x, y)` of raw `(histories, next items)` as training takes
        them: a sequence backbone's next item at every position, in `y`
        and `x["next_items"]`; else the next item in `x["positive"]` and
        `y` label 0 (it comes first)."""
        x = self.preprocess(x)
        if y is None or "next_items" in x or "positive" in x:
            return x, y  # training arrays already (`recipe`)
        y = np.asarray(y)
        if y.dtype.kind not in "iu":
            y = self.preprocessor.item_indices([str(item) for item in y])
            known = y > 0  # an item the model does not know: no example
            x = {name: value[known] for name, value in x.items()}
            y = y[known]
        if self.backbone.kind == "sequence":
            if y.ndim == 1:
                history = x["history"]
                following = np.concatenate([history[:, 1:], y[:, None]], 1)
                y = np.where(history > 0, following, 0).astype("int32")
            x = {**x, "next_items": y}
        else:
            x = {**x, "positive": y.astype("int32")}
            y = np.zeros((len(y),), "int32")
        return x, y

    def default_optimizer(self):
        """Adam (SASRec's, without weight decay) at 1e-3, 1e-2 for the
        factorization baselines, whose embeddings move by one row per
        example; gradients clipped to a global norm of 1."""
        rate = 1e-2 if self.backbone.kind == "factors" else 1e-3
        return keras.optimizers.Adam(learning_rate=rate, global_clipnorm=1.0)

    def default_loss(self):
        if self.backbone.kind == "sequence" and self.num_negatives is None:
            return keras.losses.SparseCategoricalCrossentropy(
                from_logits=True, ignore_class=0
            )
        if self.backbone.kind == "sequence":
            return masked_positive_first_cross_entropy
        if self.loss_name == "bpr":
            return bpr_loss
        return positive_first_cross_entropy

    def get_config(self):
        return {
            **super().get_config(),
            "num_negatives": self.num_negatives,
            "loss": self.loss_name,
            "seed": self.seed,
        }
