"""What the applications' recipes share: planned steps and the decaying
AdamW."""

import keras
import numpy as np

from applications import _recipe


def test_total_steps_count_the_training_share():
    # 100 examples, 90 train: ceil(90 / 32) = 3 steps per epoch.
    assert _recipe.total_steps(100, 32, 2) == 6
    assert _recipe.total_steps(1, 32, 1) == 2  # never fewer than 2


def test_decaying_adamw_warms_up_then_decays_to_zero():
    optimizer = _recipe.decaying_adamw(1e-3, 0.01, total_steps=100)
    schedule = optimizer._learning_rate
    rates = [
        float(keras.ops.convert_to_numpy(schedule(step)))
        for step in (0, 5, 50, 100)
    ]
    # 5 warm-up steps, then cosine over the other 95.
    middle = 1e-3 * (1 + np.cos(np.pi * 45 / 95)) / 2
    np.testing.assert_allclose(rates, [0.0, 1e-3, middle, 0.0], atol=1e-7)
    constant = _recipe.decaying_adamw(1e-3, 0.01)
    assert float(keras.ops.convert_to_numpy(constant.learning_rate)) == (
        np.float32(1e-3)
    )
