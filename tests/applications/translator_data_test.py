"""The translator's data loader: formats, the seeded 70/15/15 split and
its one-line errors, on small files and on the real `spa-eng.zip`."""

import zipfile
from pathlib import Path

import keras
import pytest

from applications.errors import DataError
from applications.translator import data

REAL = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "data"
    / "spa-eng"
    / "spa-eng.zip"
)
PAIRS = [(f"source {i}", f"target {i}") for i in range(100)]


def write_pairs(path, pairs, newline="\n"):
    path.write_text(
        "".join(f"{s}\t{t}{newline}" for s, t in pairs), encoding="utf-8"
    )
    return path


def as_pairs(split):
    return list(zip(*split))


def raises(call, *parts):
    """The message of the `DataError` of `call()`, checked to be one
    short line holding every one of `parts`."""
    with pytest.raises(DataError) as raised:
        call()
    message = str(raised.value)
    assert "\n" not in message and len(message) <= 200, message
    for part in parts:
        assert part in message, message
    return message


@pytest.fixture
def here(tmp_path, monkeypatch):
    """`tmp_path` as the current folder, so messages name short paths."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


# The real spa-eng.zip --------------------------------------------------------


@pytest.fixture(scope="module")
def real():
    if not REAL.exists():
        pytest.skip(f"{REAL} is absent (the shared spa-eng data set)")
    return REAL


def test_real_zip_reads_every_pair_in_file_order(real):
    sources, targets = data.read_pairs(real)
    assert len(sources) == len(targets) == 118_964
    assert list(zip(sources[:5], targets[:5])) == [
        ("Go.", "Ve."),
        ("Go.", "Vete."),
        ("Go.", "Vaya."),
        ("Go.", "Váyase."),
        ("Hi.", "Hola."),
    ]
    assert sources[-1].startswith("If you want to sound like a native")
    assert targets[-1].endswith("y en el tiempo esperado.")


def test_real_zip_splits_70_15_15_and_load_test_is_its_test_split(real):
    loaded = data.load(real)
    # test: round(118964 * 0.15) = 17845 (hold_out keeps round(n * 0.85));
    # validation: round(118964 * 0.15) = 17845 more; train: the rest.
    assert [len(loaded.train[0]), len(loaded.train[1])] == [83_274] * 2
    assert [len(s) for s in loaded.validation] == [17_845] * 2
    assert [len(s) for s in loaded.test] == [17_845] * 2
    assert data.load_test(real) == loaded.test
    # Tatoeba has no duplicate pair: the splits are disjoint as pairs.
    train, validation, test = (
        set(as_pairs(split))
        for split in (loaded.train, loaded.validation, loaded.test)
    )
    assert len(train | validation | test) == 118_964


def test_spa_eng_is_downloaded_once_with_keras(real, monkeypatch):
    calls = []

    def get_file(fname, origin):
        calls.append((fname, origin))
        return str(real)

    monkeypatch.setattr(keras.utils, "get_file", get_file)
    sources, targets = data.read_pairs("spa-eng", reverse=True)
    assert calls == [("spa-eng.zip", data.SPA_ENG_URL)]
    assert (sources[0], targets[0]) == ("Ve.", "Go.")
    assert len(sources) == 118_964


def test_spa_eng_offline_says_to_give_the_file(monkeypatch):
    def offline(*args, **kwargs):  # what Keras raises without a network
        raise Exception(
            f"URL fetch failure on {data.SPA_ENG_URL}: None -- [Errno -3] "
            "Temporary failure in name resolution"
        )

    monkeypatch.setattr(keras.utils, "get_file", offline)
    message = raises(
        lambda: data.load("spa-eng"),
        "spa-eng could not be downloaded ([Errno -3] Temporary failure",
        "give the file spa-eng.zip",
    )
    assert "URL fetch failure" not in message


# The split policy ------------------------------------------------------------


def test_split_is_seeded_disjoint_and_70_15_15(here):
    write_pairs(here / "pairs.txt", PAIRS)
    loaded = data.load("pairs.txt")
    assert [len(split[0]) for split in vars(loaded).values()] == [70, 15, 15]
    train, validation, test = (
        as_pairs(split)
        for split in (loaded.train, loaded.validation, loaded.test)
    )
    assert sorted(train + validation + test) == sorted(PAIRS)  # disjoint
    assert train != PAIRS[:70]  # shuffled
    assert data.load("pairs.txt") == loaded
    other = data.load("pairs.txt", seed=1)
    assert other != loaded
    assert sorted(as_pairs(other.test)) != sorted(as_pairs(loaded.test))
    assert data.load_test("pairs.txt") == loaded.test
    assert data.load_test("pairs.txt", seed=1) == other.test
    # The test split does not depend on the validation fraction.
    assert data.load("pairs.txt", validation_fraction=0.3).test == loaded.test


def test_fractions_are_shares_of_all_pairs(here):
    write_pairs(here / "pairs.txt", PAIRS)
    loaded = data.load("pairs.txt", test_fraction=0.2, validation_fraction=0.1)
    assert [len(split[0]) for split in vars(loaded).values()] == [70, 10, 20]
    assert data.load_test("pairs.txt", test_fraction=0.2) == loaded.test
    loaded = data.load("pairs.txt", validation_fraction=0.0)
    assert [len(split[0]) for split in vars(loaded).values()] == [85, 0, 15]


def test_reverse_swaps_sources_and_targets(here):
    write_pairs(here / "pairs.txt", PAIRS)
    forward = data.load("pairs.txt")
    backward = data.load("pairs.txt", reverse=True)
    for name in ("train", "validation", "test"):
        sources, targets = getattr(forward, name)
        assert getattr(backward, name) == (targets, sources)
    assert backward.train[0][0].startswith("target ")
    assert data.read_pairs("pairs.txt", reverse=True) == (
        [t for _, t in PAIRS],
        [s for s, _ in PAIRS],
    )


def test_too_few_pairs_for_validation_leave_it_empty(here):
    # 24 pairs: 4 test, 20 left: validation takes round(24 * 0.15) = 4.
    write_pairs(here / "pairs.txt", PAIRS[:24])
    loaded = data.load("pairs.txt")
    assert [len(split[0]) for split in vars(loaded).values()] == [16, 4, 4]
    # 20 pairs: 3 test, 17 left (under 20): no validation.
    write_pairs(here / "pairs.txt", PAIRS[:20])
    loaded = data.load("pairs.txt")
    assert loaded.validation == ([], [])
    assert [len(loaded.train[0]), len(loaded.test[0])] == [17, 3]


def test_max_examples_samples_each_split_after_splitting(here):
    write_pairs(here / "pairs.txt", PAIRS)
    full = data.load("pairs.txt")
    small = data.load("pairs.txt", max_examples=5)
    for name in ("train", "validation", "test"):
        sources, targets = getattr(full, name)
        assert getattr(small, name) == (sources[:5], targets[:5])
    assert data.load_test("pairs.txt", max_examples=5) == small.test


def test_separate_test_data(here):
    write_pairs(here / "pairs.txt", PAIRS)
    write_pairs(here / "test.txt", PAIRS[:12])
    loaded = data.load("pairs.txt", test_data="test.txt")
    assert as_pairs(loaded.test) == PAIRS[:12]  # all of it, in file order
    assert [len(loaded.train[0]), len(loaded.validation[0])] == [85, 15]
    assert sorted(as_pairs(loaded.train) + as_pairs(loaded.validation)) == (
        sorted(PAIRS)
    )
    assert data.load_test("missing.txt", test_data="test.txt") == loaded.test
    sample = data.load("pairs.txt", test_data="test.txt", max_examples=4)
    assert len(sample.test[0]) == 4
    assert set(as_pairs(sample.test)) < set(PAIRS[:12])
    indices = [PAIRS.index(pair) for pair in as_pairs(sample.test)]
    assert indices == sorted(indices)  # file order
    assert sample.test == data.load_test(
        None, test_data="test.txt", max_examples=4
    )
    # A few test pairs are enough when they are given.
    write_pairs(here / "few.txt", PAIRS[:3])
    loaded = data.load("few.txt", test_data="test.txt")
    assert sorted(as_pairs(loaded.train)) == PAIRS[:3]


def test_argument_errors_name_the_argument(here):
    write_pairs(here / "pairs.txt", PAIRS)
    with pytest.raises(ValueError, match="test_fraction.*validation_fraction"):
        data.load("pairs.txt", test_fraction=0.5, validation_fraction=0.5)
    with pytest.raises(ValueError, match="`test_target_data` needs"):
        data.load("pairs.txt", test_target_data="t.txt")
    with pytest.raises(ValueError, match="max_examples"):
        data.load("pairs.txt", max_examples=0)


# Formats ---------------------------------------------------------------------


def test_manythings_three_columns_and_blank_lines(here):
    (here / "spa.txt").write_text(
        "\ufeffGo.\tVe.\tCC-BY 2.0 (France) Attribution: tatoeba.org "
        "#2877272 (CM) & #4986655 (cueyayotl)\r\n"
        "  \t \r\n"
        '  He said "no".\t Dijo "no". \t#1 \r\n'
        "\n"
        "Hi.\tHola.",
        encoding="utf-8",
    )
    assert data.read_pairs("spa.txt") == (
        ["Go.", 'He said "no".', "Hi."],
        ["Ve.", 'Dijo "no".', "Hola."],
    )


def test_tsv_with_a_header_names_its_columns(here):
    (here / "pairs.tsv").write_text(
        '\ufeffID\tTarget\t Source \r\n1\tVe.\tGo.\r\n\r\n2\t"Hola."\t"Hi.\r\n',
        encoding="utf-8",
    )
    assert data.read_pairs("pairs.tsv") == (["Go.", '"Hi.'], ["Ve.", '"Hola."'])


def test_tsv_without_a_header_reads_as_text(here):
    write_pairs(here / "pairs.tsv", [("english", "spanish"), ("Go.", "Ve.")])
    assert data.read_pairs("pairs.tsv") == (
        ["english", "Go."],
        ["spanish", "Ve."],
    )
    write_pairs(here / "pairs.tab", [("source", "target"), ("Go.", "Ve.")])
    assert data.read_pairs("pairs.tab") == (["Go."], ["Ve."])


def test_zip_of_one_text_besides_its_notes(here):
    with zipfile.ZipFile(here / "pairs.zip", "w") as archive:
        archive.writestr("spa-eng/", "")
        archive.writestr("spa-eng/_about.txt", "** Info **\nno tabs here\n")
        archive.writestr("__MACOSX/spa-eng/._spa.txt", b"\xff\x00")
        archive.writestr("spa-eng/spa.txt", "Go.\tVe.\nHi.\tHola.\n")
    assert data.read_pairs("pairs.zip") == (["Go.", "Hi."], ["Ve.", "Hola."])


def test_line_aligned_files(here):
    (here / "train.en").write_text("Go.\r\n\r\n Hi. \r\n", encoding="utf-8")
    (here / "train.es").write_text("Ve.\n\nHola.\n\n\n", encoding="utf-8")
    assert data.read_pairs("train.en", "train.es") == (
        ["Go.", "Hi."],
        ["Ve.", "Hola."],
    )
    assert data.read_pairs("train.en", "train.es", reverse=True) == (
        ["Ve.", "Hola."],
        ["Go.", "Hi."],
    )
    (here / "src.txt").write_text("".join(f"{s}\n" for s, _ in PAIRS))
    (here / "tgt.txt").write_text("".join(f"{t}\n" for _, t in PAIRS))
    write_pairs(here / "pairs.txt", PAIRS)
    assert data.load("src.txt", "tgt.txt") == data.load("pairs.txt")
    assert data.load_test("src.txt", "tgt.txt") == data.load("pairs.txt").test


# Errors ----------------------------------------------------------------------


def write(name, content):
    if isinstance(content, str):
        content = content.encode("utf-8")
    Path(name).write_bytes(content)


def write_zip(name, entries):
    with zipfile.ZipFile(name, "w") as archive:
        for entry, content in entries.items():
            archive.writestr(entry, content)


def test_a_line_without_a_tab(here):
    write("bad.txt", "Go.\tVe.\n\nHi. Hola.\n")
    raises(
        lambda: data.load("bad.txt"),
        "bad.txt line 3 has no tab; expected source<TAB>target on every line",
    )


def test_an_empty_side(here):
    write("bad.txt", "Go.\tVe.\nHi.\t \n")
    raises(lambda: data.load("bad.txt"), "bad.txt line 2 has nothing after")
    write("bad.txt", "Go.\tVe.\nHi.\tHola.\n \tHola.\n")
    raises(lambda: data.load("bad.txt"), "bad.txt line 3 has nothing before")
    write("bad.tsv", "source\ttarget\nGo.\tVe.\n\nHi.\t\n")
    raises(
        lambda: data.load("bad.tsv"),
        "bad.tsv line 4 has an empty target column",
    )
    write("bad.tsv", "target\tsource\nVe.\tGo.\nHola.\n")
    raises(
        lambda: data.load("bad.tsv"),
        "bad.tsv line 3 has 1 column(s) but the header has 2",
    )


def test_line_aligned_errors(here):
    write("src.txt", "Go.\nHi.\nRun.\n")
    write("tgt.txt", "Ve.\nHola.\n")
    raises(
        lambda: data.load("src.txt", "tgt.txt"),
        "src.txt has 3 lines but tgt.txt has 2; expected line-aligned files",
    )
    write("tgt.txt", "Ve.\n \nCorre.\n")
    raises(
        lambda: data.load("src.txt", "tgt.txt"),
        "tgt.txt line 2 is empty but line 2 of src.txt is not",
    )
    write("tgt.txt", "Ve.\nHola.\nCorre.\n")
    write("src.txt", "Go.\n\nRun.\n\n")  # a trailing empty line: none
    raises(
        lambda: data.load("src.txt", "tgt.txt"),
        "src.txt line 2 is empty but line 2 of tgt.txt is not",
    )
    write("one.txt", "Go.")
    raises(
        lambda: data.load("one.txt", "tgt.txt"),
        "one.txt has 1 line but tgt.txt has 3;",
    )
    write("blank.txt", "\n \n")
    raises(
        lambda: data.load("blank.txt", "blank.txt"),
        "blank.txt and blank.txt have no pairs",
    )
    raises(
        lambda: data.load("src.txt", "absent.txt"),
        "absent.txt does not exist; expected a text file of target",
    )


def test_not_utf8(here):
    write("bad.txt", b"Go.\tVe.\nHi.\tHola.\n\xe9\tx\n")
    raises(lambda: data.load("bad.txt"), "bad.txt line 3 is not UTF-8")
    write_zip("bad.zip", {"a/pairs.txt": b"Go.\tVe.\n\xff\tx\n"})
    raises(lambda: data.load("bad.zip"), "bad.zip:a/pairs.txt line 2 is not")
    write("src.txt", "Go.\n")
    write("tgt.txt", b"\xe9\n")
    raises(lambda: data.load("src.txt", "tgt.txt"), "tgt.txt line 1 is not")


def test_zip_errors(here):
    write("bad.zip", b"PK\x03\x04 damaged")
    raises(lambda: data.load("bad.zip"), "bad.zip is not a readable .zip")
    write_zip("none.zip", {"notes.md": "x", "_about.txt": "x"})
    raises(lambda: data.load("none.zip"), "none.zip holds no .txt (_about.txt")
    write_zip("two.zip", {"b.txt": "Go.\tVe.\n", "a.txt": "Hi.\tHola.\n"})
    raises(lambda: data.load("two.zip"), "two.zip holds 2 .txt files (a.txt,")
    write_zip(
        "long.zip",
        {f"{'x' * 40}/{i}-pairs.txt": "Go.\tVe.\n" for i in range(5)},
    )
    message = raises(
        lambda: data.load("long.zip"),
        "long.zip holds 5 .txt files (...",
        "0-pairs.txt",
        "and 2 more",
    )
    assert "x" * 20 not in message
    write_zip("pairs.zip", {"pairs.txt": "Go.\tVe.\nHi.\n"})
    raises(lambda: data.load("pairs.zip"), "pairs.zip:pairs.txt line 2 has no")


def test_missing_or_unknown_sources(here):
    raises(lambda: data.load("missing.txt"), "missing.txt does not exist")
    Path("folder").mkdir()
    raises(lambda: data.load("folder"), "folder is a folder")
    write("pairs.csv", "Go.,Ve.\n")
    raises(lambda: data.load("pairs.csv"), "pairs.csv has an unknown format")


def test_no_pairs_or_too_few(here):
    write("empty.txt", " \n\t\n\n")
    raises(lambda: data.load("empty.txt"), "empty.txt has no pairs")
    write("header.tsv", "source\ttarget\n")
    raises(lambda: data.load("header.tsv"), "header.tsv has no pairs")
    write_pairs(here / "few.txt", PAIRS[:9])
    raises(
        lambda: data.load("few.txt"),
        "few.txt has 9 pair(s); expected at least 10",
    )
    raises(lambda: data.load_test("few.txt"), "few.txt has 9 pair(s)")
    write_pairs(here / "test.txt", [])
    raises(
        lambda: data.load("few.txt", test_data="test.txt"),
        "test.txt has no pairs",
    )


def test_a_target_file_for_a_source_of_pairs(here):
    write_pairs(here / "pairs.tsv", PAIRS)
    write("tgt.txt", "Ve.\n")
    for source in ("pairs.tsv", "pairs.zip", "spa-eng"):
        raises(
            lambda source=source: data.load(source, "tgt.txt"),
            f"{source} already holds sources and targets",
        )
