import keras
import numpy as np
import pytest

from attention_zoo import ops as zoo_ops
from tests import reference
from tests.test_case import assert_allclose
from tests.test_case import to_numpy


def test_causal_mask_with_offset():
    expected = np.array([[True, True, True, False], [True, True, True, True]])
    assert np.array_equal(
        to_numpy(zoo_ops.causal_mask(2, 4, offset=2)), expected
    )
    assert np.array_equal(
        to_numpy(zoo_ops.causal_mask(3, 3)), np.tril(np.ones((3, 3), bool))
    )


def test_merge_masks_is_a_logical_and():
    query_mask = np.array([[True, False]])
    value_mask = np.array([[True, True, False]])
    attention_mask = np.array([[[True, False, True], [True, True, True]]])
    merged = zoo_ops.merge_masks(
        query_mask,
        value_mask,
        attention_mask,
        use_causal_mask=True,
        query_length=2,
        key_length=3,
    )
    expected = np.array([[[True, False, False], [False, False, False]]])
    assert np.array_equal(to_numpy(merged), expected)
    assert zoo_ops.merge_masks() is None


def test_masked_softmax_matches_reference_and_zeroes_empty_rows():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(2, 3, 4)).astype("float32") * 5
    mask = rng.random((2, 3, 4)) > 0.5
    mask[1, 2] = False
    got = to_numpy(zoo_ops.masked_softmax(scores, mask))
    assert_allclose(got, reference.softmax(scores, mask))
    assert np.all(got[1, 2] == 0.0)
    assert_allclose(
        zoo_ops.masked_softmax(scores), reference.softmax(scores), atol=1e-6
    )


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_masked_softmax_keeps_dtype_and_is_finite(dtype):
    scores = keras.ops.cast(np.array([[60000.0, -60000.0, 0.0]]), dtype)
    got = zoo_ops.masked_softmax(scores, np.array([[True, True, False]]))
    assert keras.backend.standardize_dtype(got.dtype) == dtype
    got = to_numpy(keras.ops.cast(got, "float32"))
    assert_allclose(got, [[1.0, 0.0, 0.0]])


def test_check_mask_shape():
    zoo_ops.check_mask_shape(np.ones((2, 1, 4)), (2, 3, 4), "attention_mask")
    zoo_ops.check_mask_shape(None, (2, 3), "value_mask")
    with pytest.raises(ValueError, match=r"received value_mask.shape=\(2, 5\)"):
        zoo_ops.check_mask_shape(np.ones((2, 5)), (2, 4), "value_mask")
    with pytest.raises(ValueError, match="broadcastable"):
        zoo_ops.check_mask_shape(np.ones((1, 2, 3, 4)), (2, 3, 4), "mask")
