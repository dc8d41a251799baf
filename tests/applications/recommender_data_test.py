"""The recommender's loaders, leave-one-out split, training examples and
ranking metrics, on handmade logs and the committed MovieLens sample
(`data/movielens_sample`); the full ml-latest-small where `../shared`
holds it."""

import zipfile
from pathlib import Path

import keras_rs
import numpy as np
import pytest

from applications.errors import DataError
from applications.recommender import data
from applications.recommender import ranking
from applications.recommender.examples import prefix_examples
from applications.recommender.examples import sequence_windows

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "movielens_sample"
SHARED = ROOT.parent / "shared" / "data" / "movielens" / "ml-latest-small.zip"

# user, item, timestamp; rows out of time order on purpose.
LOG = [
    ("u1", "a", 3),
    ("u1", "b", 1),
    ("u1", "c", 2),
    ("u1", "d", 4),
    ("u1", "e", 5),
    ("u2", "c", 10),
    ("u2", "a", 11),
    ("u2", "b", 12),
    ("u3", "a", 7),
    ("u3", "e", 6),
]


def write_log(path, rows=LOG, header="userId,movieId,timestamp"):
    lines = [header, *(",".join(map(str, row)) for row in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_leave_one_out_orders_by_time_and_holds_out_the_last_two(tmp_path):
    splits = data.load(write_log(tmp_path / "log.csv"), min_count=1)
    assert splits.users == ["u1", "u2", "u3"]
    assert splits.train == [["b", "c", "a"], ["c"], ["e", "a"]]
    assert splits.evaluated.tolist() == [0, 1]  # u3 has 2 interactions
    assert splits.validation == ["d", "a"]
    assert splits.test == ["e", "b"]
    test = data.held_out(splits, "test")
    assert test.histories == [["b", "c", "a", "d"], ["c", "a"]]
    assert test.seen == [["a", "b", "c", "d"], ["a", "c"]]
    validation = data.held_out(splits, "validation")
    assert validation.histories == [["b", "c", "a"], ["c"]]
    assert validation.interacted[0] == ["a", "b", "c", "d", "e"]


def test_no_held_out_item_reaches_the_training_examples(tmp_path):
    splits = data.load(write_log(tmp_path / "log.csv"), min_count=1)
    index = {item: i + 1 for i, item in enumerate("abcde")}
    histories = [np.array([index[i] for i in h]) for h in splits.train]
    users = np.array([1, 2, 3])
    history, owner, targets = sequence_windows(histories, users, 4)
    evaluated = splits.evaluated.tolist()
    for row, user in enumerate(owner):
        if user - 1 not in evaluated:
            continue  # u3: too short to hold anything out
        position = evaluated.index(user - 1)
        held = {
            index[splits.validation[position]],
            index[splits.test[position]],
        }
        assert not held & (set(history[row]) | set(targets[row]))
    # u1's training history b c a: inputs b c, targets c a (left-padded).
    assert history[0].tolist() == [0, 0, 2, 3]
    assert targets[0].tolist() == [0, 0, 3, 1]
    history, owner, target = prefix_examples(histories, users, 2)
    assert history.tolist() == [[0, 2], [2, 3], [0, 5]]
    assert target.tolist() == [3, 1, 1]
    assert owner.tolist() == [1, 1, 3]


def test_long_histories_become_several_windows():
    history, owner, targets = sequence_windows([np.arange(1, 9)], [1], 3)
    assert history.tolist() == [[0, 0, 1], [2, 3, 4], [5, 6, 7]]
    assert targets.tolist() == [[0, 0, 2], [3, 4, 5], [6, 7, 8]]


def test_min_count_drops_rare_items(tmp_path):
    splits = data.load(write_log(tmp_path / "log.csv"), min_count=2)
    # d occurs once: u1's history becomes b c a e.
    assert splits.train[0] == ["b", "c"]
    assert (splits.validation[0], splits.test[0]) == ("a", "e")


def test_movielens_formats_read_alike(tmp_path):
    dat = tmp_path / "ml1m"
    dat.mkdir()
    rows = [(u, i, 4, t) for u, i, t in [(1, 10, 5), (1, 20, 3), (2, 10, 1)]]
    (dat / "ratings.dat").write_text(
        "\n".join("::".join(map(str, r)) for r in rows), encoding="latin-1"
    )
    (dat / "movies.dat").write_bytes(
        "10::Am\xe9lie (2001)::Comedy\n20::Heat (1995)::Action\n".encode(
            "latin-1"
        )
    )
    ml100k = tmp_path / "ml-100k.zip"
    with zipfile.ZipFile(ml100k, "w") as archive:
        archive.writestr(
            "ml-100k/u.data", "\n".join("\t".join(map(str, r)) for r in rows)
        )
        archive.writestr("ml-100k/u.item", "10|Amelie (2001)|x\n20|Heat|x\n")
    csv_log = write_log(
        tmp_path / "log.tsv",
        [(1, 10, 5), (1, 20, 3), (2, 10, 1)],
        header="user\titem\ttime",
    )
    csv_log.write_text(csv_log.read_text().replace(",", "\t"))
    for source in (dat, ml100k, csv_log):
        interactions = data.read(source)
        assert interactions.users.tolist() == ["1", "1", "2"], source
        assert interactions.items.tolist() == ["20", "10", "10"], source
    assert data.read(dat).titles["10"] == "Am\xe9lie (2001)"
    assert data.read(ml100k).titles["20"] == "Heat"


def test_iso_dates_and_named_columns(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(
        "when,who,what\n2024-05-02,x,p\n2024-05-01T10:00:00,x,q\n",
        encoding="utf-8",
    )
    interactions = data.read(
        path, user_column="who", item_column="what", time_column="when"
    )
    assert interactions.items.tolist() == ["q", "p"]


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "is empty"),
        ("userId,movieId,timestamp\n", "has a header but no interactions"),
        ("user,title,timestamp\n1,a,3\n", "has no item column"),
        ("userId,movieId,timestamp\n1,a,yesterday\n", "line 2: timestamp"),
        ("userId,movieId,timestamp\n1,a\n", "line 2 has 2 fields"),
    ],
)
def test_bad_logs_raise_one_line_data_errors(tmp_path, text, message):
    path = tmp_path / "log.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=message) as error:
        data.load(path, min_count=1)
    assert "\n" not in str(error.value)
    assert str(path) in str(error.value)


def test_the_committed_sample_splits_every_user():
    splits = data.load(SAMPLE, min_count=1)
    assert len(splits.users) == 60
    assert len(splits.evaluated) == 60
    assert splits.interactions() == 2977
    assert splits.titles["1"] == "Toy Story (1995)"


@pytest.mark.skipif(not SHARED.exists(), reason="needs ../shared/data")
def test_ml_latest_small_as_released():
    interactions = data.read(SHARED)
    assert len(interactions) == 100_836
    assert len(set(interactions.users)) == 610
    splits = data.load(SHARED)
    assert len(splits.evaluated) == 610
    assert all(np.diff(interactions.times[interactions.users == "1"]) >= 0)


# Ranking --------------------------------------------------------------------


def test_metrics_by_hand():
    # Item 3 is the target; item 1 was seen and is left out of the full
    # ranking; negatives are items 4 and 5.
    scores = np.array([[-1e9, 0.9, 0.5, 0.4, 0.7, 0.1]], "float32")
    metrics = ranking.ranking_metrics(
        scores, np.array([3]), [np.array([1])], np.array([[4, 5]]), k=2
    )
    # Sampled: 0.4 among 0.7, 0.1 -> rank 1 (0-based): HR@2 1, NDCG 1/log2 3.
    assert metrics["hr@2"] == 1.0
    assert metrics["ndcg@2"] == pytest.approx(1 / np.log2(3), abs=1e-4)
    # Full: items 2 (0.5) and 4 (0.7) ahead -> rank 2: a miss at 2.
    assert metrics["full_hr@2"] == 0.0
    assert metrics["full_ndcg@2"] == 0.0
    assert metrics["mrr"] == pytest.approx(1 / 3, abs=1e-4)


def test_ties_count_against_the_target():
    scores = np.zeros((1, 6), "float32")
    metrics = ranking.ranking_metrics(
        scores, np.array([2]), [np.array([], "int64")], np.array([[1, 3]])
    )
    assert metrics["mrr"] == pytest.approx(1 / 5, abs=1e-4)  # last of 5


def test_metrics_agree_with_keras_rs():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(40, 30)).astype("float32")  # no ties
    scores[:, 0] = -1e9
    targets = rng.integers(1, 30, 40)
    nothing = [np.array([], "int64")] * 40
    ours = ranking.ranking_metrics(
        scores, targets, nothing, np.ones((40, 1), "int64")
    )
    labels = np.zeros_like(scores)
    labels[np.arange(40), targets] = 1
    for metric, name in [
        (keras_rs.metrics.RecallAtK(k=10), "full_hr@10"),
        (keras_rs.metrics.NDCG(k=10), "full_ndcg@10"),
        (keras_rs.metrics.MeanReciprocalRank(), "mrr"),
    ]:
        metric.update_state(labels, scores)
        assert float(metric.result()) == pytest.approx(ours[name], abs=1e-4)


def test_sampled_negatives_are_unseen_distinct_and_fixed():
    interacted = [[1, 2, 3], list(range(1, 100))]
    first = ranking.sample_negatives(200, interacted, ["a", "b"], count=100)
    second = ranking.sample_negatives(200, interacted, ["a", "b"], count=100)
    np.testing.assert_array_equal(first, second)
    # A user's negatives depend on their id, not on who else is scored.
    alone = ranking.sample_negatives(200, interacted[1:], ["b"], count=100)
    np.testing.assert_array_equal(alone[0], first[1])
    for row, items in zip(first, interacted):
        assert len(set(row.tolist())) == 100
        assert not set(row.tolist()) & set(items)
        assert row.min() >= 1 and row.max() <= 200
