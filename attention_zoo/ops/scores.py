"""Attention score functions: how well each query matches each key.

Every function maps a query `(..., Tq, d_q)` and a key `(..., Tk, d_k)` to
unnormalised scores `(..., Tq, Tk)`; a softmax over the last axis turns them
into attention weights.
"""

import math

from keras import ops


def dot_score(query, key):
    """`score(q, k) = q . k` (Luong et al. 2015, "dot")."""
    return ops.matmul(query, ops.swapaxes(key, -1, -2))


def scaled_dot_score(query, key, scale=None):
    """`score(q, k) = q . k / sqrt(d)` (Vaswani et al. 2017).

    `scale` defaults to `1 / sqrt(d)` with `d` the query depth.
    """
    query = ops.convert_to_tensor(query)
    if scale is None:
        scale = 1.0 / math.sqrt(query.shape[-1])
    return dot_score(query * ops.cast(scale, query.dtype), key)


def general_score(query, key, kernel):
    """`score(q, k) = q^T W k` (Luong et al. 2015, "general").

    `kernel` has shape `(d_q, d_k)`.
    """
    return dot_score(ops.matmul(query, kernel), key)


def additive_score(
    query, key, query_kernel, key_kernel, attention_vector, bias=None
):
    """`score(q, k) = v^T tanh(W_q q + W_k k + b)` (Bahdanau et al. 2015).

    Luong's "concat" score `v^T tanh(W [q; k])` is the same function with
    `W = [W_q; W_k]`. Memory grows as `Tq * Tk * units`.

    Args:
        query_kernel: `(d_q, units)`.
        key_kernel: `(d_k, units)`.
        attention_vector: `(units,)`, the `v` above.
        bias: optional `(units,)`.
    """
    projected_query = ops.matmul(query, query_kernel)
    projected_key = ops.matmul(key, key_kernel)
    if bias is not None:
        projected_query = projected_query + bias
    hidden = ops.tanh(
        ops.expand_dims(projected_query, -2)
        + ops.expand_dims(projected_key, -3)
    )
    return ops.squeeze(
        ops.matmul(hidden, ops.expand_dims(attention_vector, -1)), -1
    )


def l2_normalize(x, epsilon=1e-6):
    """`x / max(||x||, epsilon)` over the last axis, in x's dtype.

    Computed in float32: in float16 `epsilon ** 2` rounds to 0 and a zero
    vector (a padded position) would give NaN.
    """
    x = ops.convert_to_tensor(x)
    x32 = ops.cast(x, "float32")
    squared_norm = ops.sum(ops.square(x32), axis=-1, keepdims=True)
    normalized = x32 * ops.rsqrt(ops.maximum(squared_norm, epsilon * epsilon))
    return ops.cast(normalized, x.dtype)


def cosine_score(query, key, scale=1.0):
    """`score(q, k) = scale * cos(q, k)` (Liu et al. 2022, Swin V2).

    `scale` is the inverse temperature `1 / tau`; it may be a tensor that
    broadcasts against the scores (one value per head, for example).
    """
    scores = dot_score(l2_normalize(query), l2_normalize(key))
    return scores * ops.cast(scale, scores.dtype)
