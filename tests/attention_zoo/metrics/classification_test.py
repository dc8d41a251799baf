import json

import keras
import numpy as np
import pytest

from attention_zoo.metrics import SparseF1Score
from attention_zoo.metrics import SparsePRAUC
from attention_zoo.metrics import SparsePrecision
from attention_zoo.metrics import SparseRecall
from attention_zoo.metrics import classification_metrics
from attention_zoo.metrics import classification_report

# Three classes. Per class (TP, FP, FN): 0 -> (1, 1, 1), 1 -> (2, 1, 0),
# 2 -> (1, 0, 1). Precision 1/2, 2/3, 1; recall 1/2, 1, 1/2;
# F1 1/2, 4/5, 2/3.
Y_TRUE = np.array([0, 0, 1, 1, 2, 2])
Y_PRED = np.array([0, 1, 1, 1, 2, 0])
EXPECTED = {
    "accuracy": 4 / 6,
    "precision": (1 / 2 + 2 / 3 + 1) / 3,
    "recall": (1 / 2 + 1 + 1 / 2) / 3,
    "f1": (1 / 2 + 4 / 5 + 2 / 3) / 3,
}


def test_report_from_labels_hand_computed():
    report = classification_report(Y_TRUE, Y_PRED)
    assert report == pytest.approx(EXPECTED, abs=1e-6)


def test_report_from_softmax_argmax_with_ties_to_first_class():
    probabilities = np.eye(3, dtype="float32")[Y_PRED] * 0.5 + 0.1
    probabilities[5] = [0.45, 0.45, 0.1]  # a tie: the argmax is class 0
    report = classification_report(Y_TRUE, probabilities)
    assert set(report) == set(EXPECTED) | {"pr_auc"}
    report.pop("pr_auc")
    assert report == pytest.approx(EXPECTED, abs=1e-6)


def test_report_missing_class_counts_zero_with_explicit_num_classes():
    labels = [0, 0, 1, 1, 0, 1]
    report = classification_report(labels, labels, num_classes=3)
    # Class 2 has no example and no prediction: precision = recall = 0.
    assert report["precision"] == pytest.approx(2 / 3, abs=1e-6)
    assert report["f1"] == pytest.approx(2 / 3, abs=1e-6)
    assert report["accuracy"] == 1.0


def test_report_from_sigmoid_probabilities():
    y_true = np.array([0, 0, 1, 1])
    # p > 0.5 is class 1, so 0.5 itself is class 0.
    report = classification_report(y_true, np.array([0.1, 0.6, 0.4, 0.5]))
    assert report["accuracy"] == 0.25
    # Class 0: TP 1, FP 2, FN 1; class 1: TP 0, FP 1, FN 2.
    assert report["precision"] == pytest.approx((1 / 3 + 0) / 2, abs=1e-6)
    assert report["recall"] == pytest.approx((1 / 2 + 0) / 2, abs=1e-6)
    assert report["f1"] == pytest.approx((0.4 + 0) / 2, abs=1e-6)
    perfect = classification_report(y_true, [[0.1], [0.2], [0.8], [0.9]])
    assert perfect["pr_auc"] == pytest.approx(1.0, abs=1e-6)
    # One operating point, precision = prevalence: the area is 3/4.
    constant = classification_report([1, 1, 1, 0], np.full(4, 0.3))
    assert constant["pr_auc"] == pytest.approx(0.75, abs=1e-6)


def test_softmax_perfect_ranking_has_pr_auc_one():
    # Every class's column ranks its examples above all others.
    probabilities = np.array(
        [
            [0.8, 0.1, 0.1],
            [0.6, 0.3, 0.1],
            [0.2, 0.7, 0.1],
            [0.3, 0.6, 0.1],
            [0.1, 0.2, 0.7],
            [0.1, 0.3, 0.6],
        ]
    )
    report = classification_report(Y_TRUE, probabilities)
    assert report == pytest.approx(
        {"accuracy": 1, "precision": 1, "recall": 1, "f1": 1, "pr_auc": 1},
        abs=1e-6,
    )


def compiled_classifier(num_examples):
    """A 3-class softmax classifier compiled with `classification_metrics`,
    and random data for it."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(num_examples, 4)).astype("float32")
    y = rng.integers(0, 3, size=(num_examples,))
    model = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(3, activation="softmax")]
    )
    model.compile(
        loss="sparse_categorical_crossentropy",
        metrics=classification_metrics(3),
    )
    return model, x, y


def test_compiled_metrics_in_evaluate_match_report():
    model, x, y = compiled_classifier(32)
    # Four batches: the streamed counts must add up to the whole-set score.
    results = model.evaluate(x, y, batch_size=8, verbose=0, return_dict=True)
    report = classification_report(y, model.predict(x, batch_size=8, verbose=0))
    assert set(report) == set(results) - {"loss"}
    for key, value in report.items():
        assert results[key] == pytest.approx(value, abs=1e-5), key


@pytest.mark.parametrize(
    "cls", [SparseF1Score, SparsePrecision, SparseRecall, SparsePRAUC]
)
def test_config_round_trip(cls):
    metric = cls(num_classes=3, name="custom")
    config = keras.saving.serialize_keras_object(metric)
    restored = keras.saving.deserialize_keras_object(config)
    assert type(restored) is cls
    assert restored.get_config() == metric.get_config()
    assert restored.num_classes == 3 and restored.name == "custom"
    # (batch, 1) labels are accepted like (batch,) labels.
    labels = Y_TRUE[:, None]
    probabilities = np.eye(3, dtype="float32")[Y_PRED]
    metric.update_state(labels, probabilities)
    restored.update_state(Y_TRUE, probabilities)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(restored.result()),
        keras.ops.convert_to_numpy(metric.result()),
    )


@pytest.mark.parametrize(
    "average, expected",
    [
        (None, [1 / 2, 2 / 3, 1]),
        ("micro", 4 / 6),
        ("macro", EXPECTED["precision"]),
        ("weighted", EXPECTED["precision"]),  # balanced support
    ],
)
def test_precision_averages(average, expected):
    metric = SparsePrecision(3, average=average)
    metric.update_state(Y_TRUE, np.eye(3, dtype="float32")[Y_PRED])
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(metric.result()), expected, atol=1e-6
    )


def test_report_rejects_bad_input():
    with pytest.raises(ValueError, match="same number of examples"):
        classification_report([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match="`y_true` must not be empty"):
        classification_report([], [])
    with pytest.raises(ValueError, match="apply sigmoid or softmax"):
        classification_report([0, 1], [[2.0, -1.0], [0.0, 3.0]])
    with pytest.raises(ValueError, match=r"labels in \[0, 2\)"):
        classification_report([0, 2], [0, 1], num_classes=2)
    with pytest.raises(ValueError, match="integer class labels"):
        classification_report([0.0, 1.0], [0, 1])
    with pytest.raises(ValueError, match="must have 3 columns"):
        classification_report([0, 1], np.full((2, 2), 0.5), num_classes=3)


def test_metrics_reject_bad_arguments():
    with pytest.raises(ValueError, match="`num_classes` must be an integer"):
        classification_metrics(1)
    with pytest.raises(ValueError, match="`num_classes` must be an integer"):
        SparsePRAUC(num_classes=2.5)
    with pytest.raises(ValueError, match=r"shape \(batch, 3\)"):
        SparseF1Score(3).update_state([0, 1], np.zeros((2, 4)))


@pytest.mark.parametrize(
    "cls, name",
    [
        (SparseF1Score, "f1"),
        (SparsePrecision, "precision"),
        (SparseRecall, "recall"),
    ],
)
def test_get_config_from_config(cls, name):
    metric = cls(3, average="weighted", threshold=0.4)
    config = metric.get_config()
    assert config == {
        "name": name,
        "dtype": "float32",
        "average": "weighted",
        "threshold": 0.4,
        "num_classes": 3,
    }
    restored = cls.from_config(json.loads(json.dumps(config)))
    assert type(restored) is cls and restored.get_config() == config
    assert cls(3, name="custom").name == "custom"


def test_pr_auc_get_config_from_config():
    config = SparsePRAUC(4, num_thresholds=50).get_config()
    assert config == {
        "num_classes": 4,
        "num_thresholds": 50,
        "name": "pr_auc",
        "dtype": "float32",
    }
    restored = SparsePRAUC.from_config(json.loads(json.dumps(config)))
    assert restored.get_config() == config


# Unbalanced support (3, 1). Per class (TP, FP, FN): 0 -> (2, 0, 1),
# 1 -> (1, 1, 0). Precision 1, 1/2; recall 2/3, 1.
@pytest.mark.parametrize(
    "cls, average, expected",
    [
        (SparsePrecision, None, [1, 1 / 2]),
        (SparsePrecision, "micro", 3 / 4),
        (SparsePrecision, "macro", 3 / 4),
        (SparsePrecision, "weighted", (3 * 1 + 1 * 1 / 2) / 4),
        (SparseRecall, None, [2 / 3, 1]),
        (SparseRecall, "micro", 3 / 4),
        (SparseRecall, "macro", 5 / 6),
        (SparseRecall, "weighted", (3 * 2 / 3 + 1 * 1) / 4),
    ],
)
def test_precision_and_recall_averages_unbalanced(cls, average, expected):
    metric = cls(2, average=average)
    metric.update_state([0, 0, 0, 1], np.eye(2, dtype="float32")[[0, 0, 1, 1]])
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(metric.result()), expected, atol=1e-6
    )


def test_keras_file_round_trip_of_compiled_metrics(tmp_path):
    model, x, y = compiled_classifier(16)
    expected = model.evaluate(x, y, verbose=0, return_dict=True)
    path = str(tmp_path / "model.keras")
    model.save(path)
    # Registered classes: no `custom_objects` needed.
    restored = keras.saving.load_model(path)
    results = restored.evaluate(x, y, verbose=0, return_dict=True)
    assert set(results) == set(expected)
    for key, value in expected.items():
        assert results[key] == pytest.approx(value, abs=1e-6), key
