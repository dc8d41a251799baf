import os

import keras
import numpy as np

from attention_zoo import layers
from attention_zoo import recipes


def test_weight_decay_skips_bias_norm_and_embedding(tmp_path):
    tokens = keras.Input((3,), dtype="int32")
    x = keras.layers.Embedding(5, 4)(tokens)
    x = keras.layers.LayerNormalization()(x)
    x = layers.CosineAttention()(x, x)
    x = keras.layers.Dense(2)(x)
    model = keras.Model(tokens, x)
    optimizer = recipes.adamw(learning_rate=0.1, weight_decay=0.5)
    model.compile(optimizer=optimizer, loss="mse")
    before = {w.path: keras.ops.convert_to_numpy(w) for w in model.weights}
    # Zero gradients: only weight decay can move a weight.
    model.fit(
        np.zeros((2, 3), "int32"),
        model.predict(np.zeros((2, 3), "int32"), verbose=0),
        verbose=0,
    )
    for weight in model.weights:
        after = keras.ops.convert_to_numpy(weight)
        moved = not np.allclose(before[weight.path], after)
        decays = weight.name == "kernel"
        assert moved == decays, (weight.path, moved)
    path = os.path.join(tmp_path, "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded.optimizer, recipes.AdamW)
    assert loaded.optimizer.no_decay_names == recipes.adamw().no_decay_names
    assert loaded.optimizer.global_clipnorm == 1.0
