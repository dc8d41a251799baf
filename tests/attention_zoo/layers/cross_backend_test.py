"""A `.keras` file saved under one backend loads under the other two."""

import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from attention_zoo import layers
from tests.test_case import BACKEND

ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
)
OTHER_BACKENDS = [b for b in ("tensorflow", "jax", "torch") if b != BACKEND]


def every_layer_model():
    source = keras.Input((6,), dtype="int32", name="source")
    target = keras.Input((4,), dtype="int32", name="target")
    embed = keras.layers.Embedding(20, 8, mask_zero=True)
    context = embed(source)
    x = embed(target)
    x = layers.MultiHeadAttention(2, 4, name="self")(x, x, use_causal_mask=True)
    x = layers.CrossAttention(2, 4, name="cross")(x, context)
    x = layers.LuongAttention("general", name="luong")(x, context)
    x = layers.BahdanauAttention(5, name="bahdanau")(x, context)
    x = layers.CosineAttention(name="cosine")(x, context)
    x = layers.AttentionPooling(name="pooling")(x)
    return keras.Model([source, target], keras.layers.Dense(3)(x))


@pytest.mark.parametrize("other", OTHER_BACKENDS)
def test_saved_model_loads_under_other_backend(other, tmp_path):
    keras.utils.set_random_seed(0)
    model = every_layer_model()
    inputs = {
        "source": np.array([[1, 2, 3, 4, 0, 0], [5, 6, 7, 0, 0, 0]]),
        "target": np.array([[8, 9, 0, 0], [10, 11, 12, 13]]),
    }
    expected = keras.ops.convert_to_numpy(model.predict(inputs, verbose=0))
    model_path = os.path.join(tmp_path, "model.keras")
    inputs_path = os.path.join(tmp_path, "inputs.npz")
    output_path = os.path.join(tmp_path, f"{other}.npy")
    model.save(model_path)
    np.savez(inputs_path, **inputs)
    environment = dict(os.environ, KERAS_BACKEND=other)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.load_and_predict",
            model_path,
            inputs_path,
            output_path,
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    np.testing.assert_allclose(np.load(output_path), expected, atol=1e-5)
