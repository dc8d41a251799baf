import math
import os

import keras
import numpy as np
import pytest

from attention_zoo import recipes


def values(schedule, steps):
    return [float(keras.ops.convert_to_numpy(schedule(step))) for step in steps]


def test_warmup_cosine_by_hand():
    schedule = recipes.warmup_cosine(1.0, total_steps=110, warmup_steps=10)
    # Warmup: 0 -> 1 linearly over 10 steps; then cosine over 100 steps.
    expected = [0.0, 0.5, 1.0, 0.5 * (1 + math.cos(math.pi * 0.5)), 0.0]
    np.testing.assert_allclose(
        values(schedule, [0, 5, 10, 60, 110]), expected, atol=1e-6
    )


def test_warmup_cosine_without_warmup_and_floor():
    schedule = recipes.warmup_cosine(2.0, total_steps=10, alpha=0.1)
    np.testing.assert_allclose(values(schedule, [0, 10]), [2.0, 0.2], atol=1e-6)


def test_step_and_exponential_decay_by_hand():
    step = recipes.step_decay(1.0, drop_every=10, factor=0.5)
    np.testing.assert_allclose(values(step, [0, 9, 10, 25]), [1, 1, 0.5, 0.25])
    exponential = recipes.exponential_decay(1.0, decay_steps=10, decay_rate=0.5)
    np.testing.assert_allclose(
        values(exponential, [0, 5, 20]), [1.0, 0.5**0.5, 0.25], rtol=1e-6
    )


def test_inverse_square_root_by_hand():
    schedule = recipes.InverseSquareRoot(1e-3, warmup_steps=4)
    # t = step + 1: 1/4, 2/4, 1 at t = warmup, then sqrt(4 / t).
    np.testing.assert_allclose(
        values(schedule, [0, 1, 3, 15]),
        [0.25e-3, 0.5e-3, 1e-3, 0.5e-3],
        rtol=1e-6,
    )


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: recipes.warmup_cosine(0, 10), "peak_learning_rate"),
        (lambda: recipes.warmup_cosine(1e-3, 10, 10), "warmup_steps"),
        (lambda: recipes.step_decay(1e-3, 0), "drop_every"),
        (lambda: recipes.InverseSquareRoot(1e-3, -1), "warmup_steps"),
    ],
)
def test_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize(
    "schedule",
    [
        recipes.warmup_cosine(1e-3, 100, 10),
        recipes.step_decay(1e-3, 10),
        recipes.exponential_decay(1e-3, 10, 0.9),
        recipes.InverseSquareRoot(1e-3, 10),
    ],
    ids=["warmup_cosine", "step", "exponential", "inverse_sqrt"],
)
def test_schedule_survives_keras_round_trip(schedule, tmp_path):
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    model.compile(optimizer=recipes.adamw(schedule), loss="mse")
    model.fit(np.ones((4, 3)), np.ones((4, 1)), verbose=0, epochs=2)
    path = os.path.join(tmp_path, "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    restored = loaded.optimizer.learning_rate
    original = model.optimizer._learning_rate
    reloaded = loaded.optimizer._learning_rate
    assert type(reloaded) is type(original)
    np.testing.assert_allclose(
        values(reloaded, [0, 7, 50]), values(original, [0, 7, 50]), rtol=1e-6
    )
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(restored),
        keras.ops.convert_to_numpy(model.optimizer.learning_rate),
        rtol=1e-6,
    )
