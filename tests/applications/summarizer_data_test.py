"""The summarizer's data loader and Lead baseline, on the committed
DialogSum sample (`data/dialogsum_sample`, Python dict literal lines as
in the corpus's 2021 release), the full corpus where `../shared` has it,
and small hand-made files."""

import json
import zipfile
from pathlib import Path

import pytest

from applications._runner import main
from applications.errors import DataError
from applications.summarizer import data
from applications.summarizer.cli import APPLICATION
from applications.summarizer.lead import average_words
from applications.summarizer.lead import lead

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "dialogsum_sample"
DIALOGSUM = ROOT.parent / "shared" / "data" / "dialogsum" / "DialogSum_Data.zip"


@pytest.fixture
def sample_zip(tmp_path):
    """The sample as DialogSum ships: a zip with train and test files
    (no dev file) and a macOS resource fork."""
    path = tmp_path / "sample.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name in ("dialogsum.train.jsonl", "dialogsum.test.jsonl"):
            archive.write(SAMPLE / name, f"DialogSum_Data/{name}")
        archive.writestr("__MACOSX/DialogSum_Data/._dialogsum.train.jsonl", "x")
    return path


def test_a_zip_keeps_its_splits_and_every_test_reference(sample_zip):
    splits = data.load(sample_zip, seed=3)
    # No dev file: the last tenth of the shuffled training file validates.
    assert (len(splits.train), len(splits.validation)) == (54, 6)
    assert len(splits.test) == 20
    assert all(len(r) == 1 for r in splits.train.references)
    assert all(len(r) == 3 for r in splits.test.references)
    first = splits.test.sources.index(
        next(s for s in splits.test.sources if "Ms. Dawson" in s)
    )
    assert splits.test.references[first][0].startswith("Ms. Dawson helps")
    assert splits.test.sources[first].count("\n#Person2#:") >= 3
    # The Lead baseline's length: the average training summary.
    assert splits.test.lead_words == average_words(
        splits.train.targets + splits.validation.targets
    )
    # Training and validation examples come from the training file only.
    train_file = data.read_splits(SAMPLE / "dialogsum.train.jsonl")["all"]
    assert sorted(splits.train.sources + splits.validation.sources) == sorted(
        train_file.sources
    )


@pytest.mark.skipif(not DIALOGSUM.is_file(), reason=f"{DIALOGSUM} not found")
def test_the_dialogsum_zip():
    splits = data.load(DIALOGSUM)
    assert (len(splits.train), len(splits.validation), len(splits.test)) == (
        12_460,
        500,
        500,
    )
    assert {len(r) for r in splits.test.references} == {3}
    assert {len(r) for r in splits.validation.references} == {1}


def test_json_lines_strict_or_dict_literals_and_csv_read_alike(tmp_path):
    records = [
        {"doc": f"Turn one {i}.\nTurn two {i}.", "abstract": f"Summary {i}."}
        for i in range(12)
    ]
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text(
        "\n".join(
            json.dumps(r) if i % 2 else repr(r) for i, r in enumerate(records)
        )
        + "\n\n"
    )
    table = tmp_path / "table.csv"
    table.write_text(
        "doc,abstract\n"
        + "".join(f'"{r["doc"]}","{r["abstract"]}"\n' for r in records)
    )
    fields = {"source_field": "doc", "target_field": "abstract"}
    read = [data.read_splits(p, **fields)["all"] for p in (mixed, table)]
    assert read[0].sources == read[1].sources == [r["doc"] for r in records]
    assert read[0].targets == read[1].targets
    splits = data.load(mixed, test_fraction=0.25, **fields)
    assert (len(splits.train), len(splits.test)) == (9, 3)
    # A sample of each split never moves an example between them.
    small = data.load(mixed, test_fraction=0.25, max_examples=2, **fields)
    assert set(small.test.sources) <= set(splits.test.sources)
    assert set(small.train.sources) <= set(splits.train.sources)


def test_numbered_fields_are_more_references(tmp_path):
    path = tmp_path / "refs.tsv"
    path.write_text(
        "text\tsummary\tsummary2\tsummary3\n"
        "A long story.\tShort.\tBrief.\t\n"
        "Another story.\tTwo.\t\tThree.\n"
    )
    examples = data.read_splits(path)["all"]
    assert examples.references == [["Short.", "Brief."], ["Two.", "Three."]]
    assert examples.targets == ["Short.", "Two."]
    # summary1..3, DialogSum's test fields, read from the first.
    literal = tmp_path / "test.jsonl"
    literal.write_text(
        repr({"dialogue": "d", "summary1": "a", "summary2": "b"}) + "\n"
    )
    assert data.read_splits(literal)["all"].references == [["a", "b"]]


def bad_files(tmp_path):
    good = repr({"dialogue": "#Person1#: Hi.", "summary": "A greeting."})
    neither = tmp_path / "neither.jsonl"
    neither.write_text(f"{good}\n{good}\n{{'dialogue': oops}}\n")
    unknown = tmp_path / "unknown.jsonl"
    unknown.write_text(f"{good}\n")
    empty = tmp_path / "empty.jsonl"
    empty.write_text(
        f"{good}\n" + json.dumps({"dialogue": "Hi.", "summary": " "}) + "\n"
    )
    listed = tmp_path / "listed.jsonl"
    listed.write_text("[1, 2]\n")
    missing = tmp_path / "missing.csv"
    missing.write_text("dialogue,summary\nHello there.,A greeting.\n,x\n")
    return [
        (
            [neither],
            f"{neither} line 3 is neither JSON nor a Python dict literal",
        ),
        (
            [unknown, "--source-field", "document"],
            f"{unknown} line 1 has no field 'document'",
        ),
        ([empty], f"{empty} line 2 has an empty 'summary'"),
        ([listed], f"{listed} line 1 holds a list, not an object"),
        ([missing], f"{missing} line 3 has an empty 'dialogue'"),
    ]


def test_bad_input_exits_2_naming_the_file_and_line(tmp_path, capsys):
    for argv, message in bad_files(tmp_path):
        output = tmp_path / "new"
        status = main(
            APPLICATION,
            ["train", "--output", str(output), "--data", *map(str, argv)],
        )
        err = capsys.readouterr().err.strip()
        assert status == 2, err
        assert err.splitlines() == [f"error: {err[7:]}"]
        assert message in err, err
        assert not output.exists()


def test_damaged_and_unreadable_inputs(tmp_path):
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(b"PK\x03\x04 not a zip")
    with pytest.raises(DataError, match="not a readable .zip"):
        data.read_splits(damaged)
    text = tmp_path / "x.txt"
    text.write_text("a dialogue\n")
    with pytest.raises(DataError, match="unknown format"):
        data.read_splits(text)
    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w") as archive:
        archive.writestr("a.jsonl", "{}")
        archive.writestr("b.jsonl", "{}")
    with pytest.raises(DataError, match="files named train, dev and test"):
        data.read_splits(two)


def test_lead_takes_whole_turns_up_to_the_length():
    dialogue = (
        "#Person1#: Hello, how are you?\n"  # 5 words
        "#Person2#: Fine, thanks. And you?\n"  # 5 words
        "#Person1#: Very well."
    )
    assert lead(dialogue, 5) == "#Person1#: Hello, how are you?"
    assert lead(dialogue, 10) == "\n".join(dialogue.splitlines()[:2])
    assert lead(dialogue, 2) == "#Person1#: Hello, how are you?"  # one at least
    article = "First sentence here. Second one! Third? Fourth."
    assert lead(article, 5) == "First sentence here.\nSecond one!"
    assert average_words(["one two", "one two three four"]) == 3
