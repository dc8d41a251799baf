"""The recommender's backbones: self-attention over a user's history
(SASRec), target attention of a candidate over it (DIN), and matrix
factorization with its popularity special case.

Every backbone scores candidate items; the self-attentive one also gives
a feature per position, so that training predicts the next item at every
position of a history at once, as SASRec trains.
"""

import math

import keras
import keras_hub
from keras import layers
from keras import ops

from applications._task import Backbone
from applications._task import dtype_policy
from attention_zoo.layers import BahdanauAttention
from attention_zoo.layers import LuongAttention
from attention_zoo.layers import TransformerDecoderBlock

SELF_ATTENTION = {"multi_head": "scaled_dot", "cosine": "cosine"}
TARGET_ATTENTION = ("bahdanau", "luong")
FACTORIZATION = ("mf", "popularity")


def _normal(hidden_dim):
    """Embeddings drawn with standard deviation `1 / sqrt(hidden_dim)`."""
    return keras.initializers.RandomNormal(stddev=hidden_dim**-0.5)


def _embedding(count, hidden_dim, name):
    return layers.Embedding(
        count, hidden_dim, embeddings_initializer=_normal(hidden_dim), name=name
    )


def _item_embedding(item_count, hidden_dim):
    """The items' embedding, index 0 padding; also the output layer."""
    return layers.ReversibleEmbedding(
        item_count + 1,
        hidden_dim,
        embeddings_initializer=_normal(hidden_dim),
        reverse_dtype="float32",
        name="item_embedding",
    )


def _bias(item_count):
    return layers.Embedding(
        item_count + 1, 1, embeddings_initializer="zeros", name="bias"
    )


@keras.saving.register_keras_serializable(package="applications")
class SelfAttentionBackbone(Backbone):
    """Self-attentive sequential recommendation (Kang and McAuley 2018).

    `F = Blocks(E(h) * sqrt(d) + P)` with causal self-attention, so that
    the feature `F_t` at position `t` sees the items up to `t` only; the
    score of item `j` after position `t` is `F_t . E_j`, with the item
    embedding `E` shared between input and output. Pre-norm blocks, a
    final layer normalization. `attention="cosine"` scores with
    `cos(q, k) / tau` (Liu et al. 2022) instead of `q . k / sqrt(d)`.

    Args:
        item_count: items scored (indices `1..item_count`; 0 pads).
        sequence_length: history positions.
        attention: `"multi_head"` or `"cosine"`.
        num_layers, hidden_dim, intermediate_dim, num_heads, dropout: of
            the blocks.
        dtype: the dtype policy.

    Inputs: `{"history": (batch, sequence_length)}` int32, left-padded.
    Outputs: `{"features": (batch, sequence_length, hidden_dim),
    "attention": (batch, sequence_length, sequence_length)}`, the last
    block's self-attention averaged over heads.
    """

    kind = "sequence"

    def __init__(
        self,
        item_count,
        sequence_length,
        attention="multi_head",
        num_layers=2,
        hidden_dim=64,
        intermediate_dim=256,
        num_heads=2,
        dropout=0.2,
        dtype=None,
        **kwargs,
    ):
        if attention not in SELF_ATTENTION:
            raise ValueError(
                f"`attention` must be one of {', '.join(SELF_ATTENTION)}; "
                f"received attention={attention!r}."
            )
        with dtype_policy(dtype):
            embedding = _item_embedding(item_count, hidden_dim)
            positions = keras_hub.layers.PositionEmbedding(
                sequence_length, name="position_embedding"
            )
            dropout_layer = layers.Dropout(dropout, name="embedding_dropout")
            blocks = [
                TransformerDecoderBlock(
                    intermediate_dim=intermediate_dim,
                    num_heads=num_heads,
                    dropout=dropout,
                    normalize_first=True,
                    attention_score=SELF_ATTENTION[attention],
                    name=f"block_{i}",
                )
                for i in range(num_layers)
            ]
            norm = layers.LayerNormalization(epsilon=1e-5, name="final_norm")
        history = keras.Input((sequence_length,), dtype="int32", name="history")
        mask = ops.not_equal(history, 0)
        x = embedding(history) * math.sqrt(hidden_dim)
        x = dropout_layer(x + positions(x))
        for i, block in enumerate(blocks):
            last = i == num_layers - 1
            x = block(
                x, decoder_padding_mask=mask, return_attention_scores=last
            )
            if last:
                x, weights = x
        features = norm(x)
        super().__init__(
            inputs={"history": history},
            outputs={
                "features": features,
                "attention": ops.mean(weights, axis=1),
            },
            config={
                "item_count": item_count,
                "sequence_length": sequence_length,
                "attention": attention,
                "num_layers": num_layers,
                "hidden_dim": hidden_dim,
                "intermediate_dim": intermediate_dim,
                "num_heads": num_heads,
                "dropout": dropout,
            },
            dtype=dtype,
            **kwargs,
        )
        self.item_embedding = embedding

    def score(self, features, candidates):
        """`(batch, C)` scores `features . E[candidates]` of `(batch, d)`
        features and `(batch, C)` candidate indices."""
        candidate_embeddings = ops.cast(
            self.item_embedding(candidates), "float32"
        )
        return ops.einsum(
            "bd,bcd->bc", ops.cast(features, "float32"), candidate_embeddings
        )


def _target_attention(attention, hidden_dim):
    if attention == "bahdanau":
        return BahdanauAttention(units=hidden_dim, name="target_attention")
    return LuongAttention(
        score_mode="general", use_scale=True, name="target_attention"
    )


@keras.saving.register_keras_serializable(package="applications")
class TargetAttentionBackbone(Backbone):
    """Target attention over a history (DIN, Zhou et al. 2018).

    The candidate item attends over the user's past items:
    `u_c = sum_t softmax_t(score(E_c, H_t)) H_t`, with `H = E(h) + P`, and
    the candidate's score is `MLP([u_c, E_c, u_c * E_c]) + b_c` (the
    item bias `b` starts at the log training counts: `recipe.build`). The
    attention score is additive (`"bahdanau"`, Bahdanau et al. 2015) or
    bilinear (`"luong"`, Luong et al. 2015).

    Args:
        item_count: items scored (indices `1..item_count`; 0 pads).
        sequence_length: history positions.
        attention: `"bahdanau"` or `"luong"`.
        hidden_dim: the embedding and attention width.
        dropout: on the embeddings.
        dtype: the dtype policy.

    Inputs: `{"history": (batch, sequence_length), "candidates": (batch,
    C)}` int32. Outputs: `{"scores": (batch, C), "attention": (batch, C,
    sequence_length)}`.
    """

    kind = "candidates"

    def __init__(
        self,
        item_count,
        sequence_length,
        attention="bahdanau",
        hidden_dim=64,
        dropout=0.2,
        dtype=None,
        **kwargs,
    ):
        if attention not in TARGET_ATTENTION:
            raise ValueError(
                f"`attention` must be one of {', '.join(TARGET_ATTENTION)}; "
                f"received attention={attention!r}."
            )
        with dtype_policy(dtype):
            embedding = _embedding(item_count + 1, hidden_dim, "item_embedding")
            positions = keras_hub.layers.PositionEmbedding(
                sequence_length, name="position_embedding"
            )
            dropout_layer = layers.Dropout(dropout, name="embedding_dropout")
            attend = _target_attention(attention, hidden_dim)
            hidden = layers.Dense(hidden_dim, "relu", name="score_hidden")
            output = layers.Dense(1, name="score_output")
            bias = _bias(item_count)
        history = keras.Input((sequence_length,), dtype="int32", name="history")
        candidates = keras.Input((None,), dtype="int32", name="candidates")
        past = embedding(history)
        past = dropout_layer(past + positions(past))
        target = embedding(candidates)
        interest, weights = attend(
            target,
            past,
            value_mask=ops.not_equal(history, 0),
            return_attention_scores=True,
        )
        joined = ops.concatenate([interest, target, interest * target], -1)
        scores = ops.squeeze(output(hidden(joined)), -1)
        scores = scores + ops.squeeze(bias(candidates), -1)
        super().__init__(
            inputs={"history": history, "candidates": candidates},
            outputs={
                "scores": ops.cast(scores, "float32"),
                "attention": weights,
            },
            config={
                "item_count": item_count,
                "sequence_length": sequence_length,
                "attention": attention,
                "hidden_dim": hidden_dim,
                "dropout": dropout,
            },
            dtype=dtype,
            **kwargs,
        )
        self.bias = bias


@keras.saving.register_keras_serializable(package="applications")
class FactorizationBackbone(Backbone):
    """Matrix factorization, `score(u, i) = P_u . Q_i + b_i` (Koren et al.
    2009), trained with BPR (Rendle et al. 2009); with `user_factors=False`
    only `b_i` is left: the popularity baseline (its bias starts at the
    log of each item's training count, where softmax training converges).

    Args:
        item_count: items scored (indices `1..item_count`; 0 pads).
        user_count: users known (indices `1..user_count`; 0 is an unknown
            user, scored by `b_i` alone).
        sequence_length: the preprocessor's history positions (recorded
            for the task; no layer reads a history).
        hidden_dim: the factors' width.
        user_factors: `False` for popularity.
        dtype: the dtype policy.

    Inputs: `{"user": (batch,), "candidates": (batch, C)}` int32.
    Outputs: `{"scores": (batch, C)}`.
    """

    kind = "factors"

    def __init__(
        self,
        item_count,
        user_count,
        sequence_length,
        hidden_dim=64,
        user_factors=True,
        dtype=None,
        **kwargs,
    ):
        with dtype_policy(dtype):
            bias = _bias(item_count)
            if user_factors:
                users = _embedding(user_count + 1, hidden_dim, "user_embedding")
                items = _embedding(item_count + 1, hidden_dim, "item_embedding")
        user = keras.Input((), dtype="int32", name="user")
        candidates = keras.Input((None,), dtype="int32", name="candidates")
        scores = ops.squeeze(bias(candidates), -1)
        if user_factors:
            # An unknown user (index 0, never trained) has no factors.
            known = ops.cast(ops.not_equal(user, 0), users.compute_dtype)
            factors = users(user) * known[:, None]
            scores = scores + ops.einsum(
                "bd,bcd->bc", factors, items(candidates)
            )
        super().__init__(
            inputs={"user": user, "candidates": candidates},
            outputs={"scores": ops.cast(scores, "float32")},
            config={
                "item_count": item_count,
                "user_count": user_count,
                "sequence_length": sequence_length,
                "hidden_dim": hidden_dim,
                "user_factors": user_factors,
            },
            dtype=dtype,
            **kwargs,
        )
        self.bias = bias
