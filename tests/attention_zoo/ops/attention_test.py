import numpy as np
import pytest

from attention_zoo import ops as zoo_ops
from tests import reference
from tests.test_case import assert_allclose
from tests.test_case import to_numpy


def per_head_reference(query, key, value, mask, causal):
    """Loops over heads with the numpy reference."""
    batch, tq, heads, depth = query.shape
    tk = key.shape[1]
    full = np.ones((batch, tq, tk), bool) if mask is None else mask
    if causal:
        full = full & np.tril(np.ones((tq, tk), bool))[None]
    outputs = []
    for head in range(heads):
        scores = reference.dot_scores(query[:, :, head], key[:, :, head])
        out, _ = reference.attend(
            scores / np.sqrt(depth), value[:, :, head], full
        )
        outputs.append(out)
    return np.stack(outputs, axis=2)


@pytest.mark.parametrize("causal", [False, True], ids=["full", "causal"])
@pytest.mark.parametrize("masked", [False, True], ids=["", "masked"])
@pytest.mark.parametrize("value_depth", [4, 3], ids=["same", "value3"])
def test_fused_and_chunked_attention_match_reference(
    causal, masked, value_depth
):
    rng = np.random.default_rng(0)
    query = rng.normal(size=(2, 7, 2, 4)).astype("float32")
    key = rng.normal(size=(2, 7, 2, 4)).astype("float32")
    value = rng.normal(size=(2, 7, 2, value_depth)).astype("float32")
    mask = None
    if masked:
        mask = rng.random((2, 7, 7)) > 0.4
        mask[0, 3] = False  # one query that sees no key
    expected = per_head_reference(query, key, value, mask, causal)
    fused = zoo_ops.dot_product_attention(
        query, key, value, mask, use_causal_mask=causal
    )
    assert_allclose(fused, expected)
    for chunk_size in (1, 3, 7, 100):
        chunked = zoo_ops.chunked_attention(
            query,
            key,
            value,
            mask,
            use_causal_mask=causal,
            chunk_size=chunk_size,
        )
        assert_allclose(chunked, expected)
    if masked:
        assert np.all(to_numpy(fused)[0, 3] == 0.0)


def test_chunked_attention_rejects_bad_chunk_size():
    x = np.zeros((1, 2, 1, 2), "float32")
    with pytest.raises(ValueError, match="`chunk_size` must be a positive"):
        zoo_ops.chunked_attention(x, x, x, chunk_size=0)
