"""Multi-head attention on projected tensors.

`dot_product_attention` hands the work to `keras.ops.dot_product_attention`,
so fused kernels run on JAX and PyTorch, and fixes the one case where that
op differs from the textbook definition (rows whose keys are all masked).
`chunked_attention` computes the same result a block of queries at a time,
so the score matrix held in memory grows linearly with sequence length.
Both take `(batch, T, heads, depth)` tensors.

`heads_first_attention` takes `(batch, heads, T, depth)` tensors, the layout
in which the two attention products are plain batched matmuls; it is the
training fast path of `MultiHeadAttention`.
"""

import math

import keras
from keras import ops

from attention_zoo.ops.masking import causal_mask
from attention_zoo.ops.masking import masked_softmax


def full_mask(mask, query, key, use_causal_mask=False):
    """Broadcasts a `(batch, Tq, Tk)`-compatible mask to `(batch, Tq, Tk)`.

    The causal mask is folded in when asked. Returns `None` when there is no
    mask at all.
    """
    query_length, key_length = ops.shape(query)[1], ops.shape(key)[1]
    if use_causal_mask:
        causal = causal_mask(query_length, key_length)[None]
        mask = causal if mask is None else ops.logical_and(mask, causal)
    if mask is None:
        return None
    batch = ops.shape(query)[0]
    return ops.broadcast_to(
        ops.cast(mask, "bool"), (batch, query_length, key_length)
    )


def _scale_or_default(scale, query):
    """`scale`, or `1 / sqrt(depth)` of the query when it is `None`."""
    if scale is None:
        return 1.0 / math.sqrt(query.shape[-1])
    return scale


def fused_op_supported(query):
    """Whether `keras.ops.dot_product_attention` can run (and train) here.

    It needs equal key and value depths on JAX (checked by the caller), and
    on JAX on CPU it cannot take float16 gradients: XLA:CPU has no float16
    matmul with float32 accumulation ("F16_F16_F32 is not supported by
    dot_general on CPU"), which Keras's own MultiHeadAttention also hits.
    """
    if keras.backend.backend() != "jax":
        return True
    if keras.backend.standardize_dtype(query.dtype) != "float16":
        return True
    return not keras.distribution.list_devices()[0].startswith("cpu")


def dot_product_attention(
    query,
    key,
    value,
    mask=None,
    scale=None,
    use_causal_mask=False,
    flash_attention=None,
):
    """`softmax(q k^T * scale + mask) v` per head, exact for masked rows.

    `keras.ops.dot_product_attention` gives a query whose keys are all masked
    the average of all values; here such a query gets zeros, as it does from
    `masked_softmax`. The fused op is still used for every other row.

    Args:
        query: `(batch, Tq, heads, depth)`.
        key: `(batch, Tk, heads, depth)`.
        value: `(batch, Tk, heads, value_depth)`.
        mask: boolean, broadcastable to `(batch, Tq, Tk)`, `True` = attend.
        scale: defaults to `1 / sqrt(depth)`.
        use_causal_mask: query `i` attends to keys `j <= i`.
        flash_attention: passed to `keras.ops.dot_product_attention`.

    Returns:
        `(batch, Tq, heads, value_depth)`.
    """
    scale = _scale_or_default(scale, query)
    if value.shape[-1] != query.shape[-1] or not fused_op_supported(query):
        # The same math, written out, has neither limit of the fused op.
        mask = full_mask(mask, query, key, use_causal_mask)
        if mask is not None:
            mask = ops.expand_dims(mask, 1)
        weights = masked_softmax(attention_scores(query, key, scale), mask)
        return combine_values(weights, value)
    if mask is None:
        return ops.dot_product_attention(
            query,
            key,
            value,
            scale=scale,
            is_causal=use_causal_mask,
            flash_attention=flash_attention,
        )
    mask = full_mask(mask, query, key, use_causal_mask)
    output = ops.dot_product_attention(
        query,
        key,
        value,
        mask=ops.expand_dims(mask, 1),
        scale=scale,
        flash_attention=flash_attention,
    )
    # (batch, Tq) -> (batch, Tq, 1, 1): zero the queries that see no key.
    sees_a_key = ops.any(mask, axis=-1)[:, :, None, None]
    return output * ops.cast(sees_a_key, output.dtype)


def attention_scores(query, key, scale=None):
    """Dot scores `(batch, heads, Tq, Tk)`, inputs `(batch, T, heads, d)`."""
    query = ops.convert_to_tensor(query)
    scale = _scale_or_default(scale, query)
    query = query * ops.cast(scale, query.dtype)
    return ops.einsum("bqnd,bknd->bnqk", query, key)


def combine_values(weights, value):
    """Weights `(batch, heads, Tq, Tk)` times values `(batch, Tk, heads, d)`."""
    return ops.einsum("bnqk,bknd->bqnd", weights, value)


def chunked_attention(
    query,
    key,
    value,
    mask=None,
    scale=None,
    use_causal_mask=False,
    chunk_size=256,
):
    """Exact attention computed `chunk_size` queries at a time.

    Only one `(batch, heads, chunk_size, Tk)` block of scores exists at a
    time, so memory grows as `Tq * Tk / (Tq / chunk_size)`, linearly in the
    sequence length, instead of quadratically. Fully masked rows give zeros.
    Same arguments and result as `dot_product_attention`.

    Reference: Rabe and Staats 2021, "Self-attention Does Not Need O(n^2)
    Memory" (the query-chunking half of their method).
    """
    if not isinstance(chunk_size, int) or chunk_size <= 0:
        raise ValueError(
            "`chunk_size` must be a positive integer; received "
            f"chunk_size={chunk_size!r}."
        )
    query_length = query.shape[1]
    if query_length is None:
        raise ValueError(
            "`chunked_attention` needs a static query length; received "
            f"query.shape={tuple(query.shape)}. Pad or bucket the sequences "
            "to fixed lengths."
        )
    key_length = ops.shape(key)[1]
    if mask is not None:
        mask = ops.cast(mask, "bool")
        mask = ops.broadcast_to(
            mask, (ops.shape(query)[0], query_length, key_length)
        )
    outputs = []
    for start in range(0, query_length, chunk_size):
        stop = min(start + chunk_size, query_length)
        chunk_mask = None if mask is None else mask[:, start:stop]
        if use_causal_mask:
            causal = causal_mask(stop - start, key_length, offset=start)[None]
            chunk_mask = (
                causal
                if chunk_mask is None
                else ops.logical_and(chunk_mask, causal)
            )
        scores = attention_scores(query[:, start:stop], key, scale)
        if chunk_mask is not None:
            chunk_mask = ops.expand_dims(chunk_mask, 1)
        weights = masked_softmax(scores, chunk_mask)
        outputs.append(combine_values(weights, value))
    if len(outputs) == 1:
        return outputs[0]
    return ops.concatenate(outputs, axis=1)


def heads_first_attention(
    query,
    key,
    value,
    mask=None,
    scale=None,
    use_causal_mask=False,
    flash_attention=None,
):
    """`softmax(q k^T * scale + mask) v` on `(batch, heads, T, depth)`.

    The same result as `dot_product_attention` (a query that sees no key
    gets zeros), for tensors whose heads axis comes before the time axis.
    On PyTorch the work goes to `keras.ops.dot_product_attention` (the fused
    `scaled_dot_product_attention` kernel, which wants this layout anyway).
    On TensorFlow and JAX it is two batched matmuls and a softmax, which
    XLA compiles without the transposes that the `(batch, T, heads, depth)`
    einsums of `keras.ops.dot_product_attention` need on every product of
    the forward and backward pass.

    Args:
        query: `(batch, heads, Tq, depth)`.
        key: `(batch, heads, Tk, depth)`.
        value: `(batch, heads, Tk, value_depth)`.
        mask: boolean, broadcastable to `(batch, Tq, Tk)`, `True` = attend.
        scale: defaults to `1 / sqrt(depth)`.
        use_causal_mask: query `i` attends to keys `j <= i`.
        flash_attention: `True` sends the work to
            `keras.ops.dot_product_attention` on every backend.

    Returns:
        `(batch, heads, Tq, value_depth)`.
    """
    scale = _scale_or_default(scale, query)
    if flash_attention or keras.backend.backend() == "torch":
        # Transposes are views on PyTorch: the op gets back the contiguous
        # heads-first tensors and copies nothing.
        def to_heads_last(x):
            return ops.transpose(x, (0, 2, 1, 3))

        output = dot_product_attention(
            to_heads_last(query),
            to_heads_last(key),
            to_heads_last(value),
            mask,
            scale,
            use_causal_mask=use_causal_mask,
            flash_attention=flash_attention,
        )
        return ops.transpose(output, (0, 2, 1, 3))
    if use_causal_mask:
        causal = causal_mask(ops.shape(query)[2], ops.shape(key)[2])
        if mask is not None:
            causal = ops.logical_and(ops.cast(mask, "bool"), causal)
        mask = causal
    if mask is not None:
        # (batch, Tq, Tk) -> (batch, 1, Tq, Tk): the same for every head.
        mask = ops.expand_dims(ops.cast(mask, "bool"), -3)
    # Scaling the query costs Tq * depth multiplications, the scores Tq * Tk.
    scores = ops.matmul(
        query * ops.cast(scale, query.dtype), ops.swapaxes(key, -1, -2)
    )
    weights = masked_softmax(scores, mask, simple_gradient=True)
    return ops.matmul(weights, value)
