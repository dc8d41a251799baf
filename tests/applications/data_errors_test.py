"""Loader inputs that used to end in a traceback or a needlessly long
message (their one-line errors are catalogued in docs/errors.md and
triggered by tests/errors_catalogue_test.py)."""

import argparse
import csv
import io

import pytest

from applications._classifier import encode
from applications._splits import split_labelled
from applications.errors import DataError
from applications.text_classifier import data

ROWS = [
    (
        f"review {i}: a {'good' if i % 2 else 'bad'} film",
        "pos" if i % 2 else "neg",
    )
    for i in range(20)
]


def test_a_csv_with_old_mac_line_endings(tmp_path):
    # Excel for Mac's "CSV (Macintosh)" ends lines with \r alone: the
    # same rows as \n (it was a csv.Error traceback).
    table = io.StringIO()
    csv.writer(table, lineterminator="\r").writerows([("text", "label"), *ROWS])
    (tmp_path / "mac.csv").write_text(table.getvalue(), encoding="utf-8")
    loaded = data.load(tmp_path / "mac.csv", seed=0)
    assert sorted(loaded.x_train + loaded.x_test) == sorted(t for t, _ in ROWS)


def test_a_folder_named_like_a_text_is_skipped(tmp_path):
    # It was "<folder>: [Errno 21] Is a directory: ...", exit status 2.
    for i, (text, label) in enumerate(ROWS):
        path = tmp_path / "train" / label / f"{i}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (tmp_path / "train" / "pos" / "notes.txt").mkdir()
    loaded = data.load(tmp_path, seed=0)
    assert sorted(loaded.x_train + loaded.x_test) == sorted(t for t, _ in ROWS)


def test_label_lists_in_messages_stay_short():
    # The model's classes were all listed: a 1000-class model gave a
    # message of over 10,000 characters.
    model = argparse.Namespace(labels=[f"class {i}" for i in range(1000)])
    with pytest.raises(DataError) as raised:
        encode(model, ["x" * 100, "y"], source="d.csv")
    message = str(raised.value)
    assert len(message) < 200 and "and 997 more" in message, message
    assert "'class 0', 'class 1', 'class 10' and 997 more" in message
    x = [f"image {i}" for i in range(50)]
    with pytest.raises(DataError) as raised:
        split_labelled(
            (x, [f"stray label {i:02d} " + "x" * 50 for i in range(50)]),
            (x[:2], ["a", "b"]),
            source="d.npz",
            class_names=["a", "b"],
        )
    message = str(raised.value)
    assert len(message) < 200 and "and 47 more" in message, message
    assert "'stray label 00 xx...'" in message
