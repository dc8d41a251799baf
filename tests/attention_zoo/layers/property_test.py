"""Property tests: random shapes and masks against the numpy reference."""

import numpy as np
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from attention_zoo.layers import MultiHeadAttention
from tests import reference
from tests.attention_zoo.layers.multi_head_attention_test import numpy_weights
from tests.single_head import SINGLE_HEAD_LAYERS
from tests.single_head import reference_scores
from tests.test_case import assert_allclose

PROPERTY_SETTINGS = settings(max_examples=12, deadline=None, derandomize=True)


@st.composite
def attention_problem(draw, same_dims=False):
    batch = draw(st.integers(1, 3))
    tq = draw(st.integers(1, 5))
    tk = draw(st.integers(1, 6))
    query_dim = draw(st.integers(1, 6))
    key_dim = query_dim if same_dims else draw(st.integers(1, 6))
    value_dim = draw(st.integers(1, 5))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    return {
        "query": rng.normal(size=(batch, tq, query_dim)).astype("float32"),
        "key": rng.normal(size=(batch, tk, key_dim)).astype("float32"),
        "value": rng.normal(size=(batch, tk, value_dim)).astype("float32"),
        # Masks may switch off every key of a query: zeros are expected then.
        "query_mask": rng.random((batch, tq)) > 0.2,
        "value_mask": rng.random((batch, tk)) > 0.3,
        "causal": draw(st.booleans()) and tq == tk,
    }


@PROPERTY_SETTINGS
@given(
    layer_index=st.integers(0, len(SINGLE_HEAD_LAYERS) - 1),
    data=st.data(),
)
def test_single_head_layers_match_reference(layer_index, data):
    _, layer_cls, kwargs, same_dims = SINGLE_HEAD_LAYERS[layer_index]
    problem = data.draw(attention_problem(same_dims=same_dims))
    layer = layer_cls(**kwargs)
    output, weights = layer(
        problem["query"],
        problem["value"],
        key=problem["key"],
        query_mask=problem["query_mask"],
        value_mask=problem["value_mask"],
        use_causal_mask=problem["causal"],
        return_attention_scores=True,
    )
    tq, tk = problem["query"].shape[1], problem["key"].shape[1]
    mask = reference.merge(
        problem["query_mask"], problem["value_mask"], problem["causal"], tq, tk
    )
    expected, expected_weights = reference.attend(
        reference_scores(layer, problem["query"], problem["key"]),
        problem["value"],
        mask,
    )
    assert_allclose(weights, expected_weights, atol=1e-5)
    assert_allclose(output, expected, atol=1e-5)


@PROPERTY_SETTINGS
@given(
    problem=attention_problem(),
    num_heads=st.integers(1, 3),
    key_dim=st.integers(1, 4),
    return_scores=st.booleans(),
)
def test_multi_head_attention_matches_reference(
    problem, num_heads, key_dim, return_scores
):
    layer = MultiHeadAttention(num_heads=num_heads, key_dim=key_dim)
    output = layer(
        problem["query"],
        problem["value"],
        key=problem["key"],
        query_mask=problem["query_mask"],
        value_mask=problem["value_mask"],
        use_causal_mask=problem["causal"],
        return_attention_scores=return_scores,
    )
    if return_scores:
        output = output[0]
    tq, tk = problem["query"].shape[1], problem["key"].shape[1]
    mask = reference.merge(
        problem["query_mask"], problem["value_mask"], problem["causal"], tq, tk
    )
    expected, _ = reference.multi_head_attention(
        problem["query"],
        problem["value"],
        problem["key"],
        numpy_weights(layer),
        num_heads,
        mask,
    )
    assert_allclose(output, expected, atol=1e-5)
