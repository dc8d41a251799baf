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
one of the same formats (`applications._splits`, the policy all
applications share). Bad input raises `DataError` with one line that says
what was wrong and what is expected.
"""

import csv
import gzip
import io
import tarfile
import zipfile
import zlib
from pathlib import Path

import keras
import numpy as np

from applications._splits import split_labelled
from applications._splits import take
from applications.errors import DataError
from applications.errors import utf8_text

IMDB_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
SPLITS = ("train", "test")
SKIPPED_LABELS = ("unsup",)  # aclImdb's unlabelled training reviews
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".zip")
TABLE_SUFFIXES = {".csv": ",", ".tsv": "\t", ".tab": "\t"}
LAYOUT = "train/<label>/*.txt"  # and test/<label>/*.txt, in messages


# Readers ---------------------------------------------------------------------


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
        raise DataError(
            f"{source} has no texts in the expected layout {LAYOUT} (one "
            "text per file, in a folder named after its label)"
        )
    if len(roots) > 1:
        shown = ", ".join(
            name if len(name) <= 20 else f"...{name[-17:]}"
            for name in sorted("/".join(r) or "." for r in roots)[:3]
        )
        raise DataError(
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
        if not file.is_file():  # a folder named like a text
            continue
        entry = _layout_entry(file.relative_to(path).parts)
        if entry is not None:
            entries.append(
                (*entry, lambda f=file: utf8_text(f.read_bytes(), f))
            )
    return _collect(entries, f"folder {path}")


def read_archive(path):
    """The same from a `.tar.gz`/`.tgz`/`.tar`/`.zip` archive, unextracted."""
    entries = []
    try:
        if path.name.lower().endswith(".zip"):
            with zipfile.ZipFile(path) as archive:
                for name in sorted(archive.namelist()):
                    entry = _layout_entry(name.split("/"))
                    if entry is not None:
                        text = utf8_text(archive.read(name), f"{path}:{name}")
                        entries.append((*entry, lambda t=text: t))
        else:
            with tarfile.open(path) as archive:
                for member in archive:
                    if not member.isfile():
                        continue
                    entry = _layout_entry(member.name.split("/"))
                    if entry is not None:
                        raw = archive.extractfile(member).read()
                        text = utf8_text(raw, f"{path}:{member.name}")
                        entries.append((*entry, lambda t=text: t))
    except (
        tarfile.TarError,
        zipfile.BadZipFile,
        gzip.BadGzipFile,
        zlib.error,
        EOFError,
    ) as error:
        # tarfile's reasons list every compression it tried: not shown.
        name = path.name.lower()
        kind = next(s for s in ARCHIVE_SUFFIXES if name.endswith(s))
        raise DataError(
            f"{path} is not a readable {kind} archive (damaged, or another "
            f"format); expected an archive of {LAYOUT}"
        ) from error
    return _collect(entries, f"archive {path}")


def read_table(path):
    """`(texts, labels)` of a CSV/TSV file with `text` and `label` columns."""
    delimiter = TABLE_SUFFIXES[path.suffix.lower()]
    content = utf8_text(path.read_bytes(), path)
    csv.field_size_limit(2**31 - 1)
    # newline="": the csv module splits \r, \n and \r\n lines itself
    # (old Mac files end lines with \r alone).
    reader = csv.DictReader(
        io.StringIO(content, newline=""), delimiter=delimiter
    )
    columns = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in ("text", "label") if name not in columns]
    if missing:
        raise DataError(
            f"{path} has no {' and no '.join(repr(m) for m in missing)} "
            f"column (header: {_header(columns)}); name the columns text "
            "and label in the first row"
        )
    reader.fieldnames = columns
    texts, labels = [], []
    try:
        for row in reader:
            text, label = row.get("text"), row.get("label")
            if text is None or label is None or not label.strip():
                raise DataError(
                    f"{path} line {reader.line_num}: a row without a text "
                    "or a label; expected every row to have both"
                )
            texts.append(text)
            labels.append(label.strip())
    except csv.Error as error:
        raise DataError(f"{path} is not valid CSV/TSV ({error})") from error
    return texts, labels


def _header(columns, limit=3):
    """The first `limit` column names of a header for a message, each at
    most 20 characters (a file without a header shows its first row)."""
    if not columns:
        return "none"
    text = ", ".join(
        name if len(name) <= 20 else f"{name[:17]}..."
        for name in columns[:limit]
    )
    more = len(columns) - limit
    return text + (f" and {more} more" if more > 0 else "")


def download_imdb():
    """The aclImdb folder, downloaded and extracted once (cached)."""
    try:
        path = keras.utils.get_file(
            "aclImdb_v1.tar.gz", origin=IMDB_URL, extract=True
        )
    except Exception as error:  # Keras raises a bare Exception offline
        # Keras says "URL fetch failure on <url>: <code> -- <reason>".
        reason = " ".join(str(error).rsplit(" -- ", 1)[-1].split())[:60]
        raise DataError(
            f"imdb could not be downloaded ({reason}); offline, give the "
            "file aclImdb_v1.tar.gz or its extracted aclImdb folder instead"
        ) from error
    path = Path(path)
    return path / "aclImdb" if (path / "aclImdb").is_dir() else path


def read_source(path):
    """`{"train": (texts, labels), "test": (texts, labels) or None}`."""
    if str(path) == "imdb":
        return read_folder(download_imdb())
    path = Path(path)
    if not path.exists():
        raise DataError(
            f"{path} does not exist; expected 'imdb', a .csv/.tsv file, or "
            f"a folder or .tar.gz/.zip of {LAYOUT}"
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
        raise DataError(
            f"{error.filename or path} cannot be read ({error.strerror}); "
            "expected a file you may read"
        ) from error
    raise DataError(
        f"{path} has an unknown format; expected a .csv/.tsv file, or a "
        f"folder or .tar.gz/.tgz/.tar/.zip of {LAYOUT}"
    )


def _as_pair(split):
    if split is None:
        return [], []
    return split


def _held_out(source):
    """The test split of a source if it has examples, else all of it."""
    test = source["test"]
    return _as_pair(test if test and test[0] else source["train"])


def load(
    path,
    test_data=None,
    test_fraction=0.2,
    max_examples=None,
    seed=1337,
):
    """Reads `path` (see the module docstring) into a `LabelledData`
    (`x_train`, `x_test`: lists of texts; `labels`: the sorted distinct
    training labels).

    Args:
        path: the data, or `"imdb"`.
        test_data: a held-out source in one of the same formats; its test
            split is used if it has one, else all of it.
        test_fraction: the share held out when neither `path` nor
            `test_data` has a test split.
        max_examples: at most this many training and this many test
            examples (a seeded sample), for quick runs.
        seed: seed of the shuffles.
    """
    source = read_source(path)
    test = source["test"] if source["test"] and source["test"][0] else None
    if test_data is not None:
        test = _held_out(read_source(test_data))
    return split_labelled(
        _as_pair(source["train"]),
        test,
        test_fraction=test_fraction,
        max_examples=max_examples,
        seed=seed,
        source=str(path),
        test_source=None if test_data is None else str(test_data),
    )


def load_test(path, max_examples=None, seed=1337):
    """`(texts, labels)` held out in `path`: its test split if it has one
    (folder, archive, `imdb`), else all of it (CSV/TSV)."""
    texts, labels = _held_out(read_source(path))
    if not texts:
        raise DataError(
            f"{path} has no examples to evaluate; expected at least one "
            "text with a label"
        )
    order = np.random.default_rng(seed).permutation(len(texts))
    order = order[:max_examples]
    return take(texts, order), take(labels, order)
