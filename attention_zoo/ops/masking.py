"""Attention masks and the masked softmax.

A mask is boolean, `True` where a query may attend to a key. Masks of
different sources (query padding, key padding, an explicit attention mask, a
causal mask) are merged with a logical AND into one `(batch, Tq, Tk)` mask.
"""

from keras import ops

# Large enough to send exp() to exactly zero in float32, small enough to stay
# finite, so that no NaN can appear in the forward or the backward pass.
_LARGE_NEGATIVE = -1e30


def causal_mask(query_length, key_length, offset=0):
    """Lower-triangular mask: query `i` sees keys `j <= i + offset`.

    `offset` is the absolute position of the first query, which is what a
    decoder step needs when its queries are appended to `offset` cached keys.

    Returns:
        A boolean tensor of shape `(query_length, key_length)`.
    """
    rows = ops.expand_dims(ops.arange(query_length, dtype="int32"), 1)
    columns = ops.expand_dims(ops.arange(key_length, dtype="int32"), 0)
    return ops.greater_equal(rows + ops.cast(offset, "int32"), columns)


def merge_masks(
    query_mask=None,
    value_mask=None,
    attention_mask=None,
    use_causal_mask=False,
    query_length=None,
    key_length=None,
    causal_offset=0,
):
    """Merges padding, explicit and causal masks into one attention mask.

    Args:
        query_mask: `(batch, Tq)`, `True` for real query positions.
        value_mask: `(batch, Tk)`, `True` for real key/value positions.
        attention_mask: `(batch, Tq, Tk)` or broadcastable to it.
        use_causal_mask: adds `causal_mask(query_length, key_length,
            causal_offset)`.
        query_length, key_length: needed with `use_causal_mask`.
        causal_offset: absolute position of the first query (decoding).

    Returns:
        A boolean mask broadcastable to `(batch, Tq, Tk)`, or `None` when no
        mask was given.
    """
    merged = None

    def combine(mask):
        nonlocal merged
        mask = ops.cast(mask, "bool")
        merged = mask if merged is None else ops.logical_and(merged, mask)

    if query_mask is not None:
        combine(ops.expand_dims(query_mask, -1))
    if value_mask is not None:
        combine(ops.expand_dims(value_mask, -2))
    if attention_mask is not None:
        combine(attention_mask)
    if use_causal_mask:
        combine(causal_mask(query_length, key_length, causal_offset)[None])
    return merged


@ops.custom_gradient
def _softmax_last_axis(logits):
    """`ops.softmax` over the last axis, with the textbook gradient.

    The forward pass is `ops.softmax` itself. The gradient is
    `p * (g - sum(g * p))`, which needs only the probabilities; JAX's
    default softmax gradient differentiates through `exp(x) / sum` and keeps
    more full-size tensors alive, which costs memory traffic on CPU.
    """
    probs = ops.softmax(logits, axis=-1)

    def grad(*args, upstream=None):
        if upstream is None:
            (upstream,) = args
        weighted = ops.sum(upstream * probs, axis=-1, keepdims=True)
        return probs * (upstream - weighted)

    return probs, grad


def masked_softmax(scores, mask=None, axis=-1, simple_gradient=False):
    """Softmax over `axis` that ignores masked positions, in float32.

    Masked positions get weight exactly 0. A row whose positions are all
    masked gets all-zero weights (not NaN, not a uniform average), so padded
    queries contribute nothing downstream. The result has the dtype of
    `scores`, which keeps mixed-precision models stable: the exponentials
    are taken in float32 whatever the compute dtype.

    Args:
        scores: attention logits, any float dtype.
        mask: boolean, broadcastable to `scores`, `True` = keep.
        axis: the key axis.
        simple_gradient: differentiate the softmax as `p * (g - sum(g p))`
            (same values, faster under XLA on CPU); last axis only.
    """
    if simple_gradient and axis not in (-1, len(scores.shape) - 1):
        raise ValueError(
            "`simple_gradient=True` needs the last axis; received "
            f"axis={axis} for scores of rank {len(scores.shape)}."
        )

    def softmax(logits):
        if simple_gradient:
            return _softmax_last_axis(logits)
        return ops.softmax(logits, axis=axis)

    logits = ops.cast(scores, "float32")
    if mask is None:
        return ops.cast(softmax(logits), scores.dtype)
    mask = ops.cast(mask, "bool")
    logits = ops.where(mask, logits, _LARGE_NEGATIVE)
    weights = softmax(logits) * ops.cast(mask, "float32")
    return ops.cast(weights, scores.dtype)


def check_mask_shape(mask, expected_shape, name):
    """Raises a `ValueError` when a mask's static shape cannot broadcast.

    `expected_shape` is the shape the mask must broadcast to, with `None` for
    unknown sizes. Unknown sizes on either side are accepted.
    """
    if mask is None:
        return
    shape = tuple(mask.shape)
    expected = tuple(expected_shape)
    problem = len(shape) > len(expected)
    for have, want in zip(shape[::-1], expected[::-1], strict=False):
        if have is None or want is None or have in (1, want):
            continue
        problem = True
    if problem:
        raise ValueError(
            f"`{name}` must have a shape broadcastable to {expected} "
            f"(batch, ...); received {name}.shape={shape}. Pass a mask with "
            "one entry per position of the matching input."
        )
