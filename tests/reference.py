"""Plain numpy reference implementations the layers are checked against.

Written from the papers' formulas with no shared code with the library.
"""

import numpy as np


def softmax(scores, mask=None):
    """Softmax over the last axis; masked entries get 0, empty rows all 0."""
    scores = np.asarray(scores, "float64")
    if mask is None:
        mask = np.ones(scores.shape, bool)
    mask = np.broadcast_to(mask, scores.shape)
    shifted = np.where(mask, scores, -np.inf)
    row_max = np.max(shifted, axis=-1, keepdims=True)
    row_max = np.where(np.isfinite(row_max), row_max, 0.0)
    exps = np.where(mask, np.exp(scores - row_max), 0.0)
    total = exps.sum(axis=-1, keepdims=True)
    return np.divide(exps, total, out=np.zeros_like(exps), where=total > 0)


def merge(query_mask=None, value_mask=None, causal=False, tq=None, tk=None):
    mask = np.ones((1, tq, tk), bool)
    if query_mask is not None:
        mask = mask & np.asarray(query_mask, bool)[:, :, None]
    if value_mask is not None:
        mask = mask & np.asarray(value_mask, bool)[:, None, :]
    if causal:
        mask = mask & np.tril(np.ones((tq, tk), bool))[None]
    return mask


def attend(scores, value, mask=None):
    """`(output, weights)`: scores `(..., Tq, Tk)`, value `(..., Tk, d)`."""
    weights = softmax(scores, mask)
    return weights @ np.asarray(value, "float64"), weights


def dot_scores(query, key):
    return np.asarray(query, "float64") @ np.swapaxes(key, -1, -2)


def general_scores(query, key, kernel):
    return dot_scores(np.asarray(query, "float64") @ kernel, key)


def additive_scores(query, key, query_kernel, key_kernel, vector, bias=None):
    projected_query = np.asarray(query, "float64") @ query_kernel
    if bias is not None:
        projected_query = projected_query + bias
    projected_key = np.asarray(key, "float64") @ key_kernel
    hidden = np.tanh(
        projected_query[..., :, None, :] + projected_key[..., None, :, :]
    )
    return hidden @ vector


def cosine_scores(query, key, inverse_temperature):
    def unit(x):
        x = np.asarray(x, "float64")
        return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-6)

    return dot_scores(unit(query), unit(key)) * inverse_temperature


def multi_head_attention(query, value, key, weights, num_heads, mask=None):
    """Vaswani et al. 2017, heads computed one by one.

    `weights` maps `query_kernel`, `query_bias`, ... `output_bias` to arrays
    (2-D kernels `(dim, heads * depth)`).
    """

    def project(x, name):
        out = np.asarray(x, "float64") @ weights[f"{name}_kernel"]
        bias = weights.get(f"{name}_bias")
        return out if bias is None else out + bias

    q, k, v = (
        project(query, "query"),
        project(key, "key"),
        project(value, "value"),
    )
    depth = q.shape[-1] // num_heads
    value_depth = v.shape[-1] // num_heads
    heads, all_weights = [], []
    for head in range(num_heads):
        qh = q[..., head * depth : (head + 1) * depth]
        kh = k[..., head * depth : (head + 1) * depth]
        vh = v[..., head * value_depth : (head + 1) * value_depth]
        out, w = attend(dot_scores(qh, kh) / np.sqrt(depth), vh, mask)
        heads.append(out)
        all_weights.append(w)
    concatenated = np.concatenate(heads, axis=-1)
    output = concatenated @ weights["output_kernel"]
    if weights.get("output_bias") is not None:
        output = output + weights["output_bias"]
    return output, np.stack(all_weights, axis=1)
