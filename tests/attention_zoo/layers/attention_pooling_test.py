import keras
import numpy as np
import pytest

from attention_zoo.layers import AttentionPooling
from tests import reference
from tests.single_head import padding_mask
from tests.test_case import assert_allclose
from tests.test_case import run_layer_test
from tests.test_case import to_numpy


def test_layer_contract(tmp_path):
    rng = np.random.default_rng(0)
    run_layer_test(
        AttentionPooling,
        {"units": 4},
        {"inputs": rng.normal(size=(2, 5, 6)).astype("float32")},
        expected_output_shape=(2, 6),
        expected_num_trainable_weights=3,
        tmp_path=tmp_path,
    )


def test_matches_reference_with_mask():
    rng = np.random.default_rng(1)
    inputs = rng.normal(size=(3, 5, 4)).astype("float32")
    mask = padding_mask([5, 2, 0], 5)
    layer = AttentionPooling()
    pooled, weights = layer(inputs, mask=mask, return_attention_scores=True)
    hidden = np.tanh(inputs @ to_numpy(layer.kernel) + to_numpy(layer.bias))
    scores = hidden @ to_numpy(layer.context_vector)
    expected_weights = reference.softmax(scores, mask)
    assert_allclose(weights, expected_weights)
    assert_allclose(pooled, np.einsum("bt,btd->bd", expected_weights, inputs))
    assert np.all(to_numpy(pooled)[2] == 0.0)


def test_embedding_mask_and_no_mask_downstream():
    tokens = keras.Input((4,), dtype="int32")
    embedded = keras.layers.Embedding(10, 6, mask_zero=True)(tokens)
    # One call gives both outputs: Keras 3.15 cannot add a second call of a
    # layer with a different number of outputs to a model.
    pooled, weights = AttentionPooling()(embedded, return_attention_scores=True)
    # A Dense after pooling must not receive a sequence mask.
    model = keras.Model(tokens, keras.layers.Dense(1)(pooled))
    weights_model = keras.Model(tokens, weights)
    batch = np.array([[1, 2, 0, 0]])
    weights = to_numpy(weights_model.predict(batch, verbose=0))
    np.testing.assert_allclose(weights[0, 2:], 0.0)
    np.testing.assert_allclose(weights.sum(), 1.0, rtol=1e-5)
    assert model.predict(batch, verbose=0).shape == (1, 1)


def test_rejects_wrong_rank():
    with pytest.raises(ValueError, match="`inputs` must have rank 3"):
        AttentionPooling()(np.zeros((2, 3), "float32"))
