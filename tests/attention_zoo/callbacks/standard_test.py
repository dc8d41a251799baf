import os

import keras
import numpy as np
import pytest

from attention_zoo import callbacks
from attention_zoo import layers
from tests.test_case import BACKEND


class Interrupt(keras.callbacks.Callback):
    """Simulates a killed run: raises at the end of epoch `at`."""

    def __init__(self, at):
        super().__init__()
        self.at = at

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.at:
            raise KeyboardInterrupt("simulated interruption")


def train(output_dir, interrupt_at=None, epochs=4):
    keras.utils.set_random_seed(0)
    tokens = keras.Input((5,), dtype="int32")
    x = keras.layers.Embedding(20, 8, mask_zero=True)(tokens)
    x = layers.MultiHeadAttention(2, 4)(x, x)
    x = layers.AttentionPooling()(x)
    model = keras.Model(tokens, keras.layers.Dense(2)(x))
    model.compile(
        optimizer=keras.optimizers.Adam(0.01),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    rng = np.random.default_rng(0)
    data = rng.integers(0, 20, size=(32, 5))
    labels = rng.integers(0, 2, size=(32,))
    bundle = callbacks.standard(output_dir, monitor="loss", patience=10)
    if interrupt_at is not None:
        bundle.append(Interrupt(interrupt_at))
    model.fit(
        data,
        labels,
        epochs=epochs,
        batch_size=8,
        shuffle=False,
        callbacks=bundle,
        verbose=0,
    )
    return model


def test_resumed_run_ends_like_an_uninterrupted_run(tmp_path):
    reference = train(os.path.join(tmp_path, "uninterrupted"))
    run = os.path.join(tmp_path, "interrupted")
    with pytest.raises(KeyboardInterrupt):
        train(run, interrupt_at=1)
    assert os.path.isdir(os.path.join(run, "backup"))
    resumed = train(run)
    for expected, got in zip(reference.weights, resumed.weights):
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(got),
            keras.ops.convert_to_numpy(expected),
            atol=1e-6,
        )
    with open(os.path.join(run, "history.csv")) as file:
        epochs = [line.split(",")[0] for line in file.read().splitlines()[1:]]
    assert epochs == ["0", "1", "2", "3"]
    assert os.path.exists(os.path.join(run, "best.keras"))
    assert not os.path.exists(os.path.join(run, "backup"))  # run finished


def test_bundle_contents(tmp_path):
    bundle = callbacks.standard(tmp_path, monitor="val_bleu")
    kinds = [type(c).__name__ for c in bundle]
    assert kinds[:5] == [
        "TerminateOnNaN",
        "BackupAndRestore",
        "ModelCheckpoint",
        "EarlyStopping",
        "CSVLogger",
    ]
    assert ("TensorBoard" in kinds) == (BACKEND == "tensorflow")
    early = next(c for c in bundle if type(c).__name__ == "EarlyStopping")
    assert early.restore_best_weights
    assert early.mode == "max"  # BLEU: higher is better
