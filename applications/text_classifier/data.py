"""Text classification data: the IMDB reviews and the user's own files.

`--data` may be:

- `imdb`: the Large Movie Review Dataset (Maas et al. 2011), downloaded
  once with `keras.utils.get_file` from its canonical URL and cached in
  `$KERAS_HOME/datasets` (the unlabelled `train/unsup` reviews are skipped);
- a folder in the aclImdb layout, `train/<label>/*.txt` and
  `test/<label>/*.txt` (or a folder holding exactly one such folder, as
  `aclImdb/` after extraction), one text per file, the folder name being
  its label;
- a `.tar.gz`, `.tgz`, `.tar` or `.zip` archive holding that layout (as
  `aclImdb_labeled.tar.gz`), read without extracting it;
- a CSV (`.csv`) or TSV (`.tsv`, `.tab`) file, UTF-8, with a header row
  holding `text` and `label` columns (other columns are ignored).

Labels are strings; any number of classes. A source without a test split
(a CSV, or a folder without `test/`) is split with a seeded shuffle
(`test_fraction`), unless `test_data` names a held-out file or folder in
one of the same formats. Bad input raises `UsageError` with one line that
says what was wrong and what is expected.
"""

import csv
import io
import random
import re
import tarfile
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import keras

from applications._cli import UsageError

IMDB_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
SPLITS = ("train", "test")
SKIPPED_LABELS = ("unsup",)  # aclImdb's unlabelled training reviews
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".zip")
TABLE_SUFFIXES = {".csv": ",", ".tsv": "\t", ".tab": "\t"}
LAYOUT = "train/<label>/*.txt and test/<label>/*.txt"


@dataclass
class TextData:
    """Texts and string labels of a training and a test split."""

    train_texts: list
    train_labels: list
    test_texts: list
    test_labels: list

    @property
    def labels(self):
        """The sorted distinct training labels (class `i` is `labels[i]`)."""
        return sorted(set(self.train_labels))


# Words -----------------------------------------------------------------------

_LINE_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_APOSTROPHE = re.compile(r"['\u2019`]")
_PUNCTUATION = re.compile(r"[^\w\s]|_")


def standardize(text):
    """Lowercase; `<br />` and punctuation become spaces, apostrophes go
    (`don't` -> `dont`), whitespace runs become one space.

    >>> standardize("Don't miss it!<br />A GREAT film.")
    'dont miss it a great film'
    """
    text = _LINE_BREAK.sub(" ", str(text).lower())
    text = _APOSTROPHE.sub("", text)
    return " ".join(_PUNCTUATION.sub(" ", text).split())


def split_words(text):
    """The words of `text`, as the model's vocabulary sees them."""
    return standardize(text).split()


def build_vocabulary(texts, max_size):
    """The `max_size` most frequent words of `texts`, most frequent first
    (ties in order of first appearance).

    >>> build_vocabulary(["a b b", "c b a"], 2)
    ['b', 'a']
    """
    counts = Counter()
    for text in texts:
        counts.update(split_words(text))
    return [word for word, _ in counts.most_common(max_size)]


# Readers ---------------------------------------------------------------------


def _decode(raw, where):
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UsageError(f"{where} is not UTF-8 text ({error})") from error


def _layout_entry(parts):
    """`(root parts, split, label)` of an archive/folder path, or None."""
    if len(parts) < 3 or not parts[-1].endswith(".txt"):
        return None
    split, label = parts[-3], parts[-2]
    if split not in SPLITS or label in SKIPPED_LABELS:
        return None
    return tuple(parts[:-3]), split, label


def _collect(entries, source):
    """Groups `(root, split, label, read)` entries by split; one root."""
    roots = {entry[0] for entry in entries}
    if not roots:
        raise UsageError(
            f"{source} has no text files in the expected layout {LAYOUT} "
            "(one text per file, the folder name is its label)"
        )
    if len(roots) > 1:
        shown = ", ".join(sorted("/".join(r) or "." for r in roots)[:3])
        raise UsageError(
            f"{source} holds more than one {LAYOUT} tree ({shown}); "
            "expected exactly one"
        )
    splits = {name: ([], []) for name in SPLITS}
    for _, split, label, read in sorted(entries, key=lambda e: e[1:3]):
        texts, labels = splits[split]
        texts.append(read())
        labels.append(label)
    return splits


def read_folder(path):
    """`{"train": (texts, labels), "test": ...}` of an aclImdb-layout
    folder."""
    entries = []
    for file in sorted(path.rglob("*.txt")):
        entry = _layout_entry(file.relative_to(path).parts)
        if entry is not None:
            entries.append((*entry, lambda f=file: _decode(f.read_bytes(), f)))
    return _collect(entries, f"folder {path}")


def read_archive(path):
    """The same from a `.tar.gz`/`.tgz`/`.tar`/`.zip` archive, unextracted."""
    entries = []
    try:
        if path.name.endswith(".zip"):
            with zipfile.ZipFile(path) as archive:
                for name in sorted(archive.namelist()):
                    entry = _layout_entry(name.split("/"))
                    if entry is not None:
                        text = _decode(archive.read(name), f"{path}:{name}")
                        entries.append((*entry, lambda t=text: t))
        else:
            with tarfile.open(path) as archive:
                for member in archive:
                    if not member.isfile():
                        continue
                    entry = _layout_entry(member.name.split("/"))
                    if entry is not None:
                        raw = archive.extractfile(member).read()
                        text = _decode(raw, f"{path}:{member.name}")
                        entries.append((*entry, lambda t=text: t))
    except (tarfile.TarError, zipfile.BadZipFile, EOFError) as error:
        raise UsageError(
            f"{path} is not a readable {''.join(path.suffixes[-2:])} archive "
            f"({error}); expected a .tar.gz, .tgz, .tar or .zip holding "
            f"{LAYOUT}"
        ) from error
    return _collect(entries, f"archive {path}")


def read_table(path):
    """`(texts, labels)` of a CSV/TSV file with `text` and `label` columns."""
    delimiter = TABLE_SUFFIXES[path.suffix.lower()]
    content = _decode(path.read_bytes(), path)
    csv.field_size_limit(2**31 - 1)
    reader = csv.DictReader(io.StringIO(content), delimiter=delimiter)
    columns = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in ("text", "label") if name not in columns]
    if missing:
        raise UsageError(
            f"{path} has no {' and no '.join(repr(m) for m in missing)} "
            f"column (header: {', '.join(columns) or 'none'}); expected a "
            "header row with 'text' and 'label' columns"
        )
    reader.fieldnames = columns
    texts, labels = [], []
    try:
        for row in reader:
            text, label = row.get("text"), row.get("label")
            if text is None or label is None or not label.strip():
                raise UsageError(
                    f"{path} line {reader.line_num}: a row without a text "
                    "or a label; expected every row to have both"
                )
            texts.append(text)
            labels.append(label.strip())
    except csv.Error as error:
        raise UsageError(f"{path} is not valid CSV/TSV ({error})") from error
    return texts, labels


def download_imdb():
    """The aclImdb folder, downloaded and extracted once (cached)."""
    path = keras.utils.get_file(
        "aclImdb_v1.tar.gz", origin=IMDB_URL, extract=True
    )
    path = Path(path)
    return path / "aclImdb" if (path / "aclImdb").is_dir() else path


def read_source(path, flag="--data"):
    """`{"train": (texts, labels), "test": (texts, labels) or None}`."""
    if str(path) == "imdb":
        return read_folder(download_imdb())
    path = Path(path)
    if not path.exists():
        raise UsageError(
            f"{flag} {path} does not exist; expected a folder ({LAYOUT}), "
            "a .tar.gz/.zip of one, a .csv/.tsv file with text,label "
            "columns, or 'imdb'"
        )
    try:
        if path.is_dir():
            return read_folder(path)
        name = path.name.lower()
        if name.endswith(ARCHIVE_SUFFIXES):
            return read_archive(path)
        if path.suffix.lower() in TABLE_SUFFIXES:
            return {"train": read_table(path), "test": None}
    except PermissionError as error:
        raise UsageError(
            f"{flag} {path} cannot be read ({error.strerror})"
        ) from error
    except IsADirectoryError as error:
        raise UsageError(f"{flag} {path}: {error}") from error
    raise UsageError(
        f"{flag} {path} has an unknown format; expected a folder "
        f"({LAYOUT}), a .tar.gz/.tgz/.tar/.zip archive of one, or a "
        ".csv/.tsv file"
    )


def _sample(texts, labels, limit, rng):
    order = list(range(len(texts)))
    rng.shuffle(order)
    if limit is not None:
        order = order[:limit]
    return [texts[i] for i in order], [labels[i] for i in order]


def _as_pair(split):
    if split is None:
        return [], []
    return split


def load(
    path,
    test_data=None,
    test_fraction=0.2,
    max_examples=None,
    seed=1337,
):
    """Reads `path` (see the module docstring) into a `TextData`.

    Args:
        path: the data, or `"imdb"`.
        test_data: a held-out source in one of the same formats; its test
            split is used if it has one, else all of it.
        test_fraction: the share held out when neither `path` nor
            `test_data` has a test split.
        max_examples: at most this many training and this many test
            examples (a seeded sample), for quick runs.
        seed: seed of the shuffles.

    Returns:
        A `TextData`, both splits shuffled.
    """
    rng = random.Random(seed)
    source = read_source(path)
    train_texts, train_labels = _as_pair(source["train"])
    if test_data is not None:
        held = read_source(test_data, flag="--test-data")
        test_texts, test_labels = _as_pair(held["test"] or held["train"])
        where = f"--test-data {test_data}"
    elif source["test"] is not None and source["test"][0]:
        test_texts, test_labels = source["test"]
        where = f"the test split of {path}"
    else:
        train_texts, train_labels = _sample(
            train_texts, train_labels, None, rng
        )
        cut = round(len(train_texts) * (1 - test_fraction))
        test_texts, test_labels = train_texts[cut:], train_labels[cut:]
        train_texts, train_labels = train_texts[:cut], train_labels[:cut]
        where = f"the held-out {test_fraction:g} of {path}"
    if not train_texts:
        raise UsageError(
            f"--data {path} has no training examples; expected at least "
            "one text per label"
        )
    if not test_texts:
        raise UsageError(
            f"{where} has no examples; give --test-data or more data"
        )
    data = TextData(
        *_sample(train_texts, train_labels, max_examples, rng),
        *_sample(test_texts, test_labels, max_examples, rng),
    )
    check_labels(data, path, where)
    return data


def check_labels(data, path, where):
    known = set(data.train_labels)
    if len(known) < 2:
        raise UsageError(
            f"--data {path} has {len(known)} label(s) in training "
            f"({', '.join(map(repr, sorted(known)))}); expected at least 2"
        )
    unseen = sorted(set(data.test_labels) - known)
    if unseen:
        raise UsageError(
            f"label(s) {', '.join(map(repr, unseen[:5]))} of {where} never "
            f"occur in the training data; expected every test label among "
            f"the training labels ({', '.join(map(repr, sorted(known)))})"
        )


def load_test(path, max_examples=None, seed=1337):
    """`(texts, labels)` held out in `path`: its test split if it has one
    (folder, archive, `imdb`), else all of it (CSV/TSV)."""
    source = read_source(path)
    texts, labels = _as_pair(source["test"] or source["train"])
    texts, labels = _sample(texts, labels, max_examples, random.Random(seed))
    if not texts:
        raise UsageError(f"--data {path} has no examples to evaluate")
    return texts, labels
