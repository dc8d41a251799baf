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


def build(ignore_class=None):
    keras.utils.set_random_seed(0)
    tokens = keras.Input((6,), dtype="int32")
    x = keras.layers.Embedding(20, 8, mask_zero=True)(tokens)
    x = layers.MultiHeadAttention(2, 4)(x, x)
    x = layers.AttentionPooling()(x)
    model = keras.Model(tokens, keras.layers.Dense(3)(x))
    model.compile(
        optimizer=keras.optimizers.SGD(0.1),
        loss=recipes.SparseCategoricalCrossentropy(
            from_logits=True, ignore_class=ignore_class
        ),
    )
    return model


def largest_difference(weights_a, weights_b):
    return max(
        float(np.max(np.abs(to_numpy(a) - to_numpy(b))))
        for a, b in zip(weights_a, weights_b)
    )


def to_numpy(x):
    return keras.ops.convert_to_numpy(x)


def main():
    rng = np.random.default_rng(0)
    data = rng.integers(1, 20, size=(64, 6))
    # Every half batch of 8 (one replica's share) holds two ignored labels,
    # so per-replica token means average to the single-device mean.
    labels = np.tile([0, 1, 2, 1, 2, 1, 2, 0], 8)
    report = {"xla_flags": os.environ.get("XLA_FLAGS", "")}
    for ignore_class in (None, 0):
        single = build(ignore_class)
        single.fit(
            data, labels, batch_size=16, epochs=2, shuffle=False, verbose=0
        )
        with recipes.data_parallel() as distribution:
            parallel = build(ignore_class)
            parallel.fit(
                data, labels, batch_size=16, epochs=2, shuffle=False, verbose=0
            )
        replicas = getattr(distribution, "num_replicas_in_sync", None)
        if replicas is None:
            replicas = len(distribution.device_mesh.devices.flatten())
        name = "plain" if ignore_class is None else "ignore_class"
        report["replicas"] = replicas
        report[f"max_difference_{name}"] = largest_difference(
            single.weights, parallel.weights
        )
        report[f"max_training_change_{name}"] = largest_difference(
            single.weights, build(ignore_class).weights
        )
    print(json.dumps(report))


if __name__ == "__main__":
    main()
