import numpy as np

from attention_zoo import ops as zoo_ops
from tests import reference
from tests.test_case import assert_allclose


def test_scores_against_reference():
    rng = np.random.default_rng(0)
    query = rng.normal(size=(2, 3, 4)).astype("float32")
    key = rng.normal(size=(2, 5, 4)).astype("float32")
    kernel = rng.normal(size=(4, 4)).astype("float32")
    assert_allclose(
        zoo_ops.dot_score(query, key), reference.dot_scores(query, key)
    )
    assert_allclose(
        zoo_ops.scaled_dot_score(query, key),
        reference.dot_scores(query, key) / 2.0,
    )
    assert_allclose(
        zoo_ops.general_score(query, key, kernel),
        reference.general_scores(query, key, kernel),
        atol=1e-4,
    )
    assert_allclose(
        zoo_ops.cosine_score(query, key, 3.0),
        reference.cosine_scores(query, key, 3.0),
    )
    query_kernel = rng.normal(size=(4, 6)).astype("float32")
    key_kernel = rng.normal(size=(4, 6)).astype("float32")
    vector = rng.normal(size=(6,)).astype("float32")
    bias = rng.normal(size=(6,)).astype("float32")
    assert_allclose(
        zoo_ops.additive_score(
            query, key, query_kernel, key_kernel, vector, bias
        ),
        reference.additive_scores(
            query, key, query_kernel, key_kernel, vector, bias
        ),
        atol=1e-4,
    )


def test_hand_computed_scores():
    query = np.array([[[1.0, 2.0]]], "float32")
    key = np.array([[[3.0, 4.0], [0.0, -1.0]]], "float32")
    assert_allclose(zoo_ops.dot_score(query, key), [[[11.0, -2.0]]])
    cosine = [11.0 / (np.sqrt(5) * 5), -2.0 / np.sqrt(5)]
    assert_allclose(zoo_ops.cosine_score(query, key), [[cosine]])
    assert_allclose(zoo_ops.l2_normalize(np.zeros((1, 2), "float32")), [[0, 0]])
