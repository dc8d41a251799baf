import os

import keras
import numpy as np
import pytest

from attention_zoo import recipes


def numpy_smoothed_cross_entropy(labels, probabilities, smoothing):
    classes = probabilities.shape[-1]
    target = np.eye(classes)[labels] * (1 - smoothing) + smoothing / classes
    return -(target * np.log(probabilities)).sum(-1)


def to_numpy(x):
    return keras.ops.convert_to_numpy(x)


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_label_smoothing_matches_numpy(smoothing):
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(5, 4)).astype("float32")
    probabilities = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    labels = np.array([0, 3, 1, 1, 2])
    expected = numpy_smoothed_cross_entropy(labels, probabilities, smoothing)
    from_logits = recipes.SparseCategoricalCrossentropy(
        label_smoothing=smoothing, from_logits=True
    )
    from_probabilities = recipes.SparseCategoricalCrossentropy(
        label_smoothing=smoothing
    )
    np.testing.assert_allclose(
        float(to_numpy(from_logits(labels, logits))), expected.mean(), rtol=1e-5
    )
    np.testing.assert_allclose(
        float(to_numpy(from_probabilities(labels[:, None], probabilities))),
        expected.mean(),
        rtol=1e-5,
    )
    if smoothing == 0.0:
        keras_loss = keras.losses.SparseCategoricalCrossentropy(
            from_logits=True
        )
        np.testing.assert_allclose(
            float(to_numpy(from_logits(labels, logits))),
            float(to_numpy(keras_loss(labels, logits))),
            rtol=1e-5,
        )


def test_masked_sequence_loss_is_mean_over_real_tokens():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(2, 4, 6)).astype("float32")
    probabilities = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    labels = np.array([[3, 2, 0, 0], [1, 5, 4, 0]])
    token_losses = numpy_smoothed_cross_entropy(labels, probabilities, 0.1)
    real = labels != 0
    expected = token_losses[real].mean()
    loss = recipes.SparseCategoricalCrossentropy(
        label_smoothing=0.1, from_logits=True, ignore_class=0
    )
    np.testing.assert_allclose(
        float(to_numpy(loss(labels, logits))), expected, rtol=1e-5
    )
    # Changing a padded position's prediction changes nothing.
    changed = logits.copy()
    changed[0, 3] += 10
    np.testing.assert_allclose(
        float(to_numpy(loss(labels, changed))), expected, rtol=1e-5
    )


def test_masked_accuracy_ignores_padding():
    metric = recipes.MaskedAccuracy(ignore_class=0)
    labels = np.array([[3, 2, 0, 0], [1, 1, 0, 0]])
    predicted = np.array([[3, 1, 0, 2], [1, 1, 5, 5]])
    metric.update_state(labels, np.eye(6)[predicted])
    # 3 of 4 real tokens right; padded positions do not count either way.
    assert float(to_numpy(metric.result())) == pytest.approx(0.75)
    metric.reset_state()
    assert float(to_numpy(metric.result())) == 0.0


def test_bad_smoothing():
    with pytest.raises(ValueError, match="`label_smoothing` must be in"):
        recipes.SparseCategoricalCrossentropy(label_smoothing=1.0)


def test_sequence_model_round_trip(tmp_path):
    tokens = keras.Input((4,), dtype="int32")
    x = keras.layers.Embedding(6, 8)(tokens)
    model = keras.Model(tokens, keras.layers.Dense(6)(x))
    model.compile(
        optimizer="adam",
        loss=recipes.SparseCategoricalCrossentropy(
            label_smoothing=0.1, from_logits=True, ignore_class=0
        ),
        metrics=[recipes.MaskedAccuracy(ignore_class=0)],
    )
    labels = np.array([[3, 2, 0, 0], [1, 5, 4, 0]])
    history = model.fit(labels, labels, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    path = os.path.join(tmp_path, "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.loss.ignore_class == 0
    assert loaded.loss.label_smoothing == 0.1
    np.testing.assert_allclose(
        loaded.evaluate(labels, labels, verbose=0),
        model.evaluate(labels, labels, verbose=0),
        rtol=1e-5,
    )
