import csv
import os

import keras
import numpy as np
import pytest

from attention_zoo import callbacks

SOURCES = ["a cat sat", "the dog ran far", "birds fly south"]
REFERENCES = ["a cat sat on the mat", "the dog ran far away", "birds fly"]


def tiny_model():
    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    model.compile("sgd", "mse")
    return model


def test_metric_reaches_logs_and_csv(tmp_path):
    evaluator = callbacks.GenerationEvaluator(
        lambda batch: [s.upper().lower() for s in batch],
        SOURCES,
        REFERENCES,
        metric="rougeL",
        batch_size=2,
        verbose=0,
    )
    history_path = os.path.join(tmp_path, "history.csv")
    logger = keras.callbacks.CSVLogger(history_path)
    history = tiny_model().fit(
        np.ones((4, 2)),
        np.ones((4, 1)),
        epochs=2,
        callbacks=[evaluator, logger],
        verbose=0,
    )
    expected = callbacks.generation_evaluator.score(
        "rougeL", SOURCES, REFERENCES
    )
    assert 0 < expected < 1
    np.testing.assert_allclose(history.history["val_rougeL"], [expected] * 2)
    with open(history_path) as file:
        rows = list(csv.DictReader(file))
    assert [float(row["val_rougeL"]) for row in rows] == pytest.approx(
        [expected] * 2
    )


def test_perfect_generation_scores_100_bleu_and_drives_checkpoint(tmp_path):
    evaluator = callbacks.GenerationEvaluator(
        lambda batch: [REFERENCES[SOURCES.index(s)] for s in batch],
        SOURCES,
        REFERENCES,
        metric="bleu",
        verbose=0,
    )
    run = os.path.join(tmp_path, "run")
    bundle = callbacks.standard(run, monitor="val_bleu", extra=[evaluator])
    tiny_model().fit(
        np.ones((4, 2)), np.ones((4, 1)), epochs=1, callbacks=bundle, verbose=0
    )
    assert evaluator.hypotheses == REFERENCES
    with open(os.path.join(run, "history.csv")) as file:
        assert float(next(csv.DictReader(file))["val_bleu"]) == pytest.approx(
            100
        )
    assert os.path.exists(os.path.join(run, "best.keras"))


def test_bad_arguments():
    with pytest.raises(ValueError, match="same length"):
        callbacks.GenerationEvaluator(str, ["a"], ["a", "b"])
    with pytest.raises(ValueError, match="`metric` must be one of"):
        callbacks.GenerationEvaluator(str, ["a"], ["a"], metric="meteor")


def test_generate_must_return_one_text_per_source():
    evaluator = callbacks.GenerationEvaluator(
        lambda batch: ["x"], SOURCES, REFERENCES, verbose=0
    )
    with pytest.raises(ValueError, match="one per source"):
        evaluator.evaluate()
