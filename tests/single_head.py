"""Helpers for the single-head layers: the numpy score of a built layer."""

import numpy as np

from attention_zoo.layers import BahdanauAttention
from attention_zoo.layers import CosineAttention
from attention_zoo.layers import LuongAttention
from tests import reference
from tests.test_case import to_numpy

# (id, class, constructor arguments, needs query dim == key dim)
SINGLE_HEAD_LAYERS = [
    ("bahdanau", BahdanauAttention, {"units": 4}, False),
    ("luong_dot", LuongAttention, {"score_mode": "dot"}, True),
    ("luong_dot_scaled", LuongAttention, {"use_scale": True}, True),
    ("luong_general", LuongAttention, {"score_mode": "general"}, False),
    (
        "luong_concat",
        LuongAttention,
        {"score_mode": "concat", "units": 3},
        False,
    ),
    ("cosine", CosineAttention, {"temperature": 0.5}, True),
]


def reference_scores(layer, query, key):
    """The layer's scores computed with numpy from its weights."""
    if isinstance(layer, BahdanauAttention):
        return reference.additive_scores(
            query,
            key,
            to_numpy(layer.query_kernel),
            to_numpy(layer.key_kernel),
            to_numpy(layer.attention_vector),
            None if layer.bias is None else to_numpy(layer.bias),
        )
    if isinstance(layer, CosineAttention):
        return reference.cosine_scores(
            query, key, float(to_numpy(layer.inverse_temperature()))
        )
    if layer.score_mode == "dot":
        scores = reference.dot_scores(query, key)
    elif layer.score_mode == "general":
        scores = reference.general_scores(query, key, to_numpy(layer.kernel))
    else:
        scores = reference.additive_scores(
            query,
            key,
            to_numpy(layer.query_kernel),
            to_numpy(layer.key_kernel),
            to_numpy(layer.attention_vector),
        )
    if layer.scale is not None:
        scores = scores * float(to_numpy(layer.scale))
    return scores


def random_inputs(rng, batch, tq, tk, query_dim, key_dim, value_dim):
    query = rng.normal(size=(batch, tq, query_dim)).astype("float32")
    key = rng.normal(size=(batch, tk, key_dim)).astype("float32")
    value = rng.normal(size=(batch, tk, value_dim)).astype("float32")
    return query, key, value


def dims_for(same_dims, query_dim=5, key_dim=6):
    return (query_dim, query_dim) if same_dims else (query_dim, key_dim)


def padding_mask(lengths, length):
    return np.arange(length)[None, :] < np.asarray(lengths)[:, None]
