import json

import keras
import numpy as np
import pytest

from attention_zoo.metrics import NDCG
from attention_zoo.metrics import HitRate
from attention_zoo.metrics import hit_rate_at_k
from attention_zoo.metrics import mrr
from attention_zoo.metrics import ndcg_at_k
from attention_zoo.metrics import positive_ranks

# Sampled-negative layout, positive in column 0. Pessimistic ranks:
# row 0 is first (0), row 1 has 2 and 3 ahead (2), row 2 ties with all
# three others and is last (3).
SCORES = np.array(
    [[3.0, 1.0, 2.0, 0.0], [1.0, 2.0, 3.0, 0.0], [1.0, 1.0, 1.0, 1.0]]
)


def test_ranks_count_ties_against_the_positive():
    assert positive_ranks(SCORES).tolist() == [0, 2, 3]
    assert positive_ranks([[0.5, 0.9, 0.5, 0.1]]).tolist() == [2]


@pytest.mark.parametrize(
    "k, hit_rate, ndcg",
    [
        (1, 1 / 3, 1 / 3),
        (3, 2 / 3, (1.0 + 0.5) / 3),  # 1 / log2(2 + 2) = 0.5
        (4, 1.0, (1.0 + 0.5 + 1 / np.log2(5)) / 3),
        (50, 1.0, (1.0 + 0.5 + 1 / np.log2(5)) / 3),
    ],
)
def test_sampled_negatives_hand_computed(k, hit_rate, ndcg):
    assert hit_rate_at_k(SCORES, k=k) == pytest.approx(hit_rate)
    assert ndcg_at_k(SCORES, k=k) == pytest.approx(ndcg)


def test_mrr_hand_computed():
    assert mrr(SCORES) == pytest.approx((1 + 1 / 3 + 1 / 4) / 3)
    assert mrr(SCORES, k=3) == pytest.approx((1 + 1 / 3) / 3)


def test_full_ranking_with_seen_mask():
    scores = np.array([[0.1, 0.9, 0.8, 0.3, 0.2], [0.5, 0.4, 0.3, 0.2, 0.1]])
    positives = np.array([3, 4])
    # Without the mask: 0.9 and 0.8 beat 0.3 (rank 2); row 1 is last (4).
    assert positive_ranks(scores, positives).tolist() == [2, 4]
    assert hit_rate_at_k(scores, positives, k=2) == 0.0
    seen = np.zeros_like(scores, dtype=bool)
    seen[0, [1, 2]] = True  # already seen: removed from the ranking
    seen[1, [0, 4]] = True  # the positive itself is never removed
    assert positive_ranks(scores, positives, seen).tolist() == [0, 3]
    assert hit_rate_at_k(scores, positives, k=1, seen_mask=seen) == 0.5
    assert ndcg_at_k(scores, positives, k=4, seen_mask=seen) == (
        pytest.approx((1.0 + 1 / np.log2(5)) / 2)
    )
    assert mrr(scores, positives, seen_mask=seen) == pytest.approx(
        (1.0 + 0.25) / 2
    )


def test_full_ranking_with_positive_in_column_zero_is_sampled():
    positives = np.zeros(3, "int64")
    for k in (1, 2, 3):
        assert hit_rate_at_k(SCORES, positives, k) == hit_rate_at_k(SCORES, k=k)


def test_minus_infinity_ranks_last():
    scores = [[-np.inf, 0.0, -np.inf], [0.0, -np.inf, -np.inf]]
    assert positive_ranks(scores).tolist() == [2, 0]


@pytest.mark.parametrize("function", [hit_rate_at_k, ndcg_at_k, mrr])
def test_rejects_bad_input(function):
    with pytest.raises(ValueError, match="`k` must be a positive integer"):
        function(SCORES, k=0)
    with pytest.raises(ValueError, match="non-empty 2D"):
        function(np.zeros((0, 4)), k=1)
    with pytest.raises(ValueError, match="non-empty 2D"):
        function(np.zeros(4), k=1)
    with pytest.raises(ValueError, match="`positives` must be 3 integers"):
        function(SCORES, [0, 1], k=1)
    with pytest.raises(ValueError, match="`positives` must be 3 integers"):
        function(SCORES, [0.0, 1.0, 2.0], k=1)
    with pytest.raises(ValueError, match=r"`positives` must be in \[0, 4\)"):
        function(SCORES, [0, 1, 4], k=1)
    with pytest.raises(ValueError, match="`seen_mask` must be booleans"):
        function(SCORES, k=1, seen_mask=np.zeros((3, 3), bool))
    with pytest.raises(ValueError, match="without NaN"):
        function([[np.nan, 1.0]], k=1)


def test_keras_metrics_hand_computed_and_nan_rows():
    hit_rate, ndcg = HitRate(k=3), NDCG(k=3)
    hit_rate.update_state(None, SCORES[:2])
    hit_rate.update_state(None, SCORES[2:])
    ndcg.update_state(None, SCORES)
    assert float(hit_rate.result()) == pytest.approx(2 / 3)
    assert float(ndcg.result()) == pytest.approx(0.5)
    # A NaN anywhere in the row is a miss, never a hit.
    hit_rate.reset_state()
    hit_rate.update_state(None, [[1.0, np.nan, 0.0], [1.0, 0.0, 0.0]])
    assert float(hit_rate.result()) == pytest.approx(0.5)
    assert hit_rate.name == "hit_rate_at_3" and ndcg.name == "ndcg_at_3"


def test_keras_metrics_in_fit_and_evaluate_match_functions():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(12, 5)).astype("float32")
    y = np.zeros((12, 6), "float32")  # ignored by the metrics
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(6)])
    model.compile(optimizer="sgd", loss="mse", metrics=[HitRate(2), NDCG(3)])
    history = model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    assert "hit_rate_at_2" in history.history
    results = model.evaluate(x, y, batch_size=4, verbose=0, return_dict=True)
    scores = model.predict(x, batch_size=4, verbose=0)
    assert results["hit_rate_at_2"] == pytest.approx(
        hit_rate_at_k(scores, k=2), abs=1e-6
    )
    assert results["ndcg_at_3"] == pytest.approx(
        ndcg_at_k(scores, k=3), abs=1e-6
    )


@pytest.mark.parametrize("cls", [HitRate, NDCG])
def test_config_round_trip(cls):
    metric = cls(k=5, name="custom")
    config = keras.saving.serialize_keras_object(metric)
    restored = keras.saving.deserialize_keras_object(config)
    assert type(restored) is cls
    assert restored.get_config() == metric.get_config()
    assert restored.k == 5 and restored.name == "custom"
    restored.update_state(None, SCORES)
    metric.update_state(None, SCORES)
    assert float(restored.result()) == float(metric.result())


def test_keras_metrics_reject_bad_arguments():
    with pytest.raises(ValueError, match="`k` must be a positive integer"):
        HitRate(k=0)
    with pytest.raises(ValueError, match="`k` must be a positive integer"):
        NDCG(k=-1)
    with pytest.raises(ValueError, match=r"shape \(batch, candidates\)"):
        HitRate(k=1).update_state(None, np.zeros((2, 3, 4)))


@pytest.mark.parametrize(
    "cls, name", [(HitRate, "hit_rate_at"), (NDCG, "ndcg_at")]
)
def test_get_config_from_config(cls, name):
    metric = cls(k=7)
    config = metric.get_config()
    assert config == {"name": f"{name}_7", "dtype": "float32", "k": 7}
    restored = cls.from_config(json.loads(json.dumps(config)))
    assert type(restored) is cls and restored.get_config() == config
    assert cls().name == f"{name}_10" and cls().k == 10


def test_keras_file_round_trip_of_compiled_metrics(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(12, 5)).astype("float32")
    y = np.zeros((12, 6), "float32")
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(6)])
    model.compile(loss="mse", metrics=[HitRate(2), NDCG(3, name="ndcg")])
    expected = model.evaluate(x, y, verbose=0, return_dict=True)
    path = str(tmp_path / "model.keras")
    model.save(path)
    # Registered classes: no `custom_objects` needed.
    restored = keras.saving.load_model(path)
    results = restored.evaluate(x, y, verbose=0, return_dict=True)
    assert set(results) == {"loss", "hit_rate_at_2", "ndcg"}
    for key, value in expected.items():
        assert results[key] == pytest.approx(value, abs=1e-6), key
