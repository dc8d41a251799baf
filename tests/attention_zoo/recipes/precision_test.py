import keras
import numpy as np
import pytest

from attention_zoo import layers
from attention_zoo import recipes


@pytest.fixture
def restore_policy():
    yield
    keras.config.set_dtype_policy("float32")


@pytest.mark.parametrize("precision", recipes.PRECISIONS)
def test_precision_switch_trains(precision, restore_policy):
    policy = recipes.set_precision(precision)
    assert policy.name == precision
    tokens = keras.Input((5,), dtype="int32")
    x = keras.layers.Embedding(10, 8, mask_zero=True)(tokens)
    x = layers.MultiHeadAttention(2, 4)(x, x)
    x = layers.AttentionPooling()(x)
    outputs = keras.layers.Dense(2, activation="softmax", dtype="float32")(x)
    model = keras.Model(tokens, outputs)
    model.compile(
        optimizer="adam", loss=recipes.SparseCategoricalCrossentropy()
    )
    scaled = isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    assert scaled == (precision == "mixed_float16")
    assert model.layers[2].compute_dtype == policy.compute_dtype
    data = np.array([[1, 2, 3, 0, 0], [4, 5, 0, 0, 0]])
    history = model.fit(data, np.array([0, 1]), epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


def test_unknown_precision():
    with pytest.raises(ValueError, match="`precision` must be one of"):
        recipes.set_precision("float16")
