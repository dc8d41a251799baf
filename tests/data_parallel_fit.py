"""Fits a small attention model single-device and data-parallel, and prints
the largest weight difference as JSON (run by distribution_test.py in a
fresh process, because device counts are fixed when a backend starts).

Usage: KERAS_BACKEND=jax|tensorflow python -m tests.data_parallel_fit
"""

import json
import os

import keras

if keras.backend.backend() == "tensorflow":
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2
    )

import numpy as np  # noqa: E402

from attention_zoo import layers  # noqa: E402
from attention_zoo import recipes  # noqa: E402


def build():
    keras.utils.set_random_seed(0)
    tokens = keras.Input((6,), dtype="int32")
    x = keras.layers.Embedding(20, 8, mask_zero=True)(tokens)
    x = layers.MultiHeadAttention(2, 4)(x, x)
    x = layers.AttentionPooling()(x)
    model = keras.Model(tokens, keras.layers.Dense(3)(x))
    model.compile(
        optimizer=keras.optimizers.SGD(0.1),
        loss=recipes.SparseCategoricalCrossentropy(from_logits=True),
    )
    return model


def main():
    rng = np.random.default_rng(0)
    data = rng.integers(1, 20, size=(64, 6))
    labels = rng.integers(0, 3, size=(64,))
    single = build()
    single.fit(data, labels, batch_size=16, epochs=2, shuffle=False, verbose=0)
    with recipes.data_parallel() as distribution:
        parallel = build()
        parallel.fit(
            data, labels, batch_size=16, epochs=2, shuffle=False, verbose=0
        )
    replicas = getattr(distribution, "num_replicas_in_sync", None)
    if replicas is None:
        replicas = len(distribution.device_mesh.devices.flatten())
    difference = max(
        float(
            np.max(
                np.abs(
                    keras.ops.convert_to_numpy(a)
                    - keras.ops.convert_to_numpy(b)
                )
            )
        )
        for a, b in zip(single.weights, parallel.weights)
    )
    moved = max(
        float(
            np.max(
                np.abs(
                    keras.ops.convert_to_numpy(a)
                    - keras.ops.convert_to_numpy(b)
                )
            )
        )
        for a, b in zip(single.weights, build().weights)
    )
    print(
        json.dumps(
            {
                "replicas": replicas,
                "max_difference": difference,
                "max_training_change": moved,
                "xla_flags": os.environ.get("XLA_FLAGS", ""),
            }
        )
    )


if __name__ == "__main__":
    main()
