"""The recommender and its command line, on the committed MovieLens
sample (`data/movielens_sample`: 60 users, 2,977 ratings).

Models are small (16 dimensions). Each variant trains a few epochs and
must rank the validation items better than chance; the application
harness checks fit, `.keras` round trips, precision, quantization, the
command line's files and bad inputs. One CLI training run (a subprocess)
is shared by the CLI tests; the loaders and metrics have their own tests
(`recommender_data_test.py`).
"""

import json
import math
from pathlib import Path

import keras
import numpy as np
import pytest

from applications.recommender import ATTENTIONS
from applications.recommender import data
from applications.recommender import ranking
from applications.recommender import recipe
from applications.recommender.cli import APPLICATION
from applications.recommender.model import Recommender
from tests.application_harness import check_exact_resume
from tests.application_harness import run_application_test
from tests.application_harness import train_cli

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "movielens_sample"
SIZES = {
    "multi_head": {
        "num_layers": 1,
        "hidden_dim": 16,
        "intermediate_dim": 32,
        "num_heads": 2,
    },
    "bahdanau": {"hidden_dim": 16},
    "mf": {"hidden_dim": 16},
    "popularity": {},
}
SIZES["cosine"] = SIZES["multi_head"]
SIZES["luong"] = SIZES["bahdanau"]
LENGTH = 16
STEPS, BATCH = 300, 32
INPUTS = ["1,32,50,110,260", "2571,2959,4993"]


@pytest.fixture(scope="module")
def splits():
    return data.load(SAMPLE, min_count=2)


def tiny(splits, attention="multi_head"):
    return recipe.build(
        splits,
        attention=attention,
        sequence_length=LENGTH,
        seed=1,
        **SIZES[attention],
    )


def last_trained_items(splits):
    """A `data.HeldOut` of each user's last training item after the rest
    of their training history."""
    rows = [
        (splits.users[i], h[:-1], h[-1], splits.history(i, "all"))
        for i, h in enumerate(splits.train)
        if len(h) > 1
    ]
    return data.HeldOut(
        users=[user for user, *_ in rows],
        histories=[history for _, history, _, _ in rows],
        targets=[target for _, _, target, _ in rows],
        seen=[sorted(set(h) - {t}) for _, h, t, _ in rows],
        interacted=[sorted(set(whole)) for *_, whole in rows],
    )


@pytest.mark.parametrize("attention", ATTENTIONS)
def test_each_variant_learns_to_rank_better_than_chance(splits, attention):
    """About 150 steps of training, then the users' last training items
    ranked after the rest of their histories: in-sample, so that the
    check is of learning, not of generalizing (60 users' held-out items
    are too few to tell models apart; the benchmarks measure that)."""
    keras.utils.set_random_seed(1)
    model = tiny(splits, attention)
    x, y = recipe.training_arrays(model, splits)
    epochs = math.ceil(STEPS / math.ceil(len(y) / BATCH))
    model.fit(x, y, batch_size=BATCH, epochs=epochs, verbose=0)
    metrics = ranking.evaluate(model, last_trained_items(splits))
    # Chance: a random ranking's expected MRR over n items, (1 + 1/2 +
    # ... + 1/n) / n; and HR@10 10/101 among 100 sampled negatives.
    n = model.preprocessor.item_count
    chance_mrr = np.sum(1 / np.arange(1, n + 1)) / n
    assert metrics["users"] == 60
    assert metrics["mrr"] > 1.5 * chance_mrr, metrics
    assert metrics["hr@10"] > 1.5 * 10 / 101, metrics


def test_sequence_training_predicts_every_next_item(splits):
    model = tiny(splits)
    x, y = model.preprocess_pairs(["1,32,50"], ["110"])
    index = model.preprocessor.item_indices(["1", "32", "50", "110"])
    assert x["history"][0, -3:].tolist() == index[:3].tolist()
    assert y[0, -3:].tolist() == index[1:].tolist()
    assert (y[0, :-3] == 0).all()  # no target after padding
    logits = model(x)
    assert logits.shape == (1, LENGTH, 1 + model.num_negatives)
    scores = model.predict(["1,32,50"], verbose=0)
    assert scores.shape == (1, model.preprocessor.item_count + 1)
    assert scores[0, 0] < -1e8  # padding is never recommended


def test_sampled_negatives_never_count_the_positive(splits):
    model = tiny(splits, "luong")
    positive = model.preprocessor.item_indices(["1"])
    x, y = model.preprocess_pairs(["32,50"], ["1"])
    assert x["positive"].tolist() == positive.tolist() and y.tolist() == [0]
    model.num_negatives = 5000  # far more than the items: hits certain
    scores = keras.ops.convert_to_numpy(model(x, training=True))
    negatives = scores[0, 1:]
    assert (negatives < -1e8).any() and scores[0, 0] > -1e8


def test_popularity_starts_at_the_training_counts(splits):
    model = tiny(splits, "popularity")
    scores = model.predict(["1"], verbose=0)[0]
    counts = recipe.training_counts(splits)
    order = np.argsort(-scores[1:], kind="stable")[:5]
    top = [model.preprocessor.items[i] for i in order]
    assert top == sorted(counts, key=lambda i: (-counts[i], i))[:5]


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    return train_cli(
        APPLICATION,
        tmp_path_factory.mktemp("cli") / "run",
        "--data",
        str(SAMPLE),
        "--min-count",
        "2",
        "--epochs",
        "2",
        "--sequence-length",
        str(LENGTH),
        "--batch-size",
        "32",
    )


def test_train_writes_the_ranking_metrics(trained_run):
    metrics = json.loads((trained_run / "metrics.json").read_text())
    assert metrics["attention"] == "multi_head" and metrics["epochs"] == 2
    assert metrics["monitor"] == "val_full_ndcg@10"
    assert set(metrics["test"]) == {
        "hr@10",
        "ndcg@10",
        "full_hr@10",
        "full_ndcg@10",
        "mrr",
        "users",
    }
    assert metrics["users"] == 60 and metrics["sequence_length"] == LENGTH
    assert metrics["examples"]["test"] == 60
    history = (trained_run / "history.csv").read_text().splitlines()
    assert "val_full_ndcg@10" in history[0].split(",")
    pictures = sorted((trained_run / "attention").glob("*.png"))
    assert len(pictures) == 4 and all(p.stat().st_size > 1000 for p in pictures)


def bad_inputs(tmp_path, trained_run):
    no_item = tmp_path / "no_item.csv"
    no_item.write_text("userId,title,timestamp\n1,a,3\n")
    no_time = tmp_path / "no_time.csv"
    no_time.write_text("userId,movieId,timestamp\n1,a,noon\n")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    train = ["train", "--output", str(tmp_path / "new"), "--data"]
    predict = ["predict", "--model", str(trained_run / "model.keras")]
    return [
        (train + [str(no_item)], "has no item column"),
        (train + [str(no_time)], "line 2: timestamp 'noon'"),
        (train + [str(empty)], f"{empty} is empty"),
        (train + [str(SAMPLE), "--test-data", str(SAMPLE)], "leave-one-out"),
        (
            predict + ["--data", str(SAMPLE), "--user", "no-such-user"],
            "user 'no-such-user' has no interaction",
        ),
        (predict + ["--user", "14"], "--user needs --data"),
    ]


def test_the_application_harness(tmp_path, trained_run, splits, capsys):
    printed = run_application_test(
        APPLICATION,
        lambda: tiny(splits),
        INPUTS,
        ["2571", "1"],
        INPUTS,
        tmp_path,
        capsys,
        run=trained_run,
        evaluate_argv=["--data", str(SAMPLE), "--max-examples", "20"],
        predict_argv=["--explain", "--top-k", "3"],
        bad_inputs=bad_inputs(tmp_path, trained_run),
    )
    assert printed["evaluate"]["users"] == 20
    model = keras.saving.load_model(trained_run / "model.keras")
    assert isinstance(model, Recommender)
    for text, line in zip(INPUTS, printed["predict"]):
        history = text.split(",")
        recommended = [r["item"] for r in line["recommendations"]]
        assert len(recommended) == 3
        assert not set(recommended) & set(history)  # nothing seen again
        assert all("title" in r for r in line["recommendations"])
        attended = [a["item"] for a in line["attention"]]
        assert set(attended) <= set(history)
        weights = [a["weight"] for a in line["attention"]]
        assert weights == sorted(weights, reverse=True)


def test_predict_for_a_user_of_the_data(trained_run, capsys):
    from applications._runner import main

    argv = ["predict", "--model", str(trained_run / "model.keras")]
    argv += ["--data", str(SAMPLE), "--user", "14", "--quiet"]
    assert main(APPLICATION, argv) == 0
    line = json.loads(capsys.readouterr().out)
    splits = data.load_known(
        SAMPLE,
        keras.saving.load_model(trained_run / "model.keras").preprocessor.items,
    )
    whole = splits.history(splits.users.index("14"), "all")
    assert line["user"] == "14" and line["history_items"] == len(whole)
    assert not {r["item"] for r in line["recommendations"]} & set(whole)


@pytest.mark.skipif(
    keras.backend.backend() != "torch",
    reason="four training runs cost about a minute on JAX and TensorFlow; "
    "the resume machinery is the runner's, checked on every backend with "
    "the classifiers, and for the recommender (its ranking callback, "
    "training arrays held in a dict) on PyTorch, the quickest",
)
def test_resume_after_ctrl_c_and_a_kill_ends_like_the_whole_run(tmp_path):
    check_exact_resume(
        APPLICATION,
        [
            "--data",
            str(SAMPLE),
            "--min-count",
            "2",
            "--attention",
            "mf",
            "--epochs",
            "4",
            "--batch-size",
            "32",
        ],
        tmp_path,
    )
