"""Translation data: the English-Spanish pairs and the user's own files.

`--data` may be:

- `spa-eng`: the Tatoeba English-Spanish pairs of manythings.org/anki
  (118,964 pairs, English first), the keras.io translation example's
  data, downloaded once with `keras.utils.get_file` and cached in
  `$KERAS_HOME/datasets` (offline, give the file `spa-eng.zip` instead);
- a `.txt` file of `source<TAB>target` lines, no header; a third and
  further columns (manythings.org files end with an attribution column)
  are ignored;
- a `.zip` holding exactly one such `.txt` (as `spa-eng.zip` holds
  `spa-eng/spa.txt`), read without extracting it; manythings.org's notes
  `_about.txt` (any `.txt` whose name starts with `_`) and macOS's
  `__MACOSX/` entries are not counted;
- a `.tsv` (or `.tab`) file whose first line names a `source` and a
  `target` column (any case; other columns are ignored); a `.tsv` whose
  first line does not name both is read as a headerless `.txt`, its first
  line being a pair;
- a text file of source sentences with a target file (`target_data`) of
  as many lines, line `i` of one translating line `i` of the other (any
  names, as `train.en` and `train.es`); lines empty in both are skipped,
  and so are empty lines at the end of either file.

Files are UTF-8 (a BOM is allowed), with any line endings. Each side is
stripped of surrounding whitespace; lines holding only whitespace are
skipped. `reverse=True` swaps the sides (`spa-eng` reversed translates
Spanish to English).

`load` shuffles all pairs with the seed (`applications._splits`, the
policy all applications share) and holds out the last `test_fraction` for
testing, unless `test_data` names separate test pairs; the
`validation_fraction` (of all pairs) before them validates, the rest
trains: 70/15/15 by default, as in the keras.io example. Bad input raises
`DataError` with one line naming the file (and line) at fault, what was
wrong and what is expected.
"""

import csv
import io
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from applications._splits import MIN_VALIDATION_EXAMPLES
from applications._splits import hold_out
from applications._splits import take
from applications.errors import DataError
from applications.errors import shortened
from applications.errors import utf8_text
from applications.translator.defaults import VALIDATION_FRACTION
from attention_zoo._checks import check_positive_int
from attention_zoo._checks import check_rate

SPA_ENG = "spa-eng"
SPA_ENG_URL = (
    "http://storage.googleapis.com/download.tensorflow.org/data/spa-eng.zip"
)
PAIR_SUFFIXES = (".txt", ".zip", ".tsv", ".tab")  # hold both sides
TABLE_SUFFIXES = (".tsv", ".tab")
MIN_PAIRS = 10  # fewer: no test split can be held out
EXPECTED = "'spa-eng' or a .txt/.tsv/.zip of source<TAB>target pairs"


@dataclass
class ParallelData:
    """Source and target sentences of the training, validation and test
    splits."""

    train: tuple  # (sources: list[str], targets: list[str])
    validation: tuple  # (sources, targets); empty under 20 pairs
    test: tuple  # (sources, targets)


# Readers ---------------------------------------------------------------------


def _lines(text):
    """`(number, line)` of `text`, 1-based; `\\r\\n` and `\\r` end lines
    too."""
    for number, line in enumerate(io.StringIO(text, newline=None), 1):
        yield number, line.rstrip("\n")


def _shown(names, limit=3):
    """At most `limit` names for a message, each at most 20 characters."""
    text = ", ".join(
        name if len(name) <= 20 else f"...{name[-17:]}"
        for name in names[:limit]
    )
    more = len(names) - limit
    return text + (f" and {more} more" if more > 0 else "")


def read_tab_text(text, where):
    """`(sources, targets)` of `source<TAB>target[<TAB>...]` lines."""
    sources, targets = [], []
    for number, line in _lines(text):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) < 2:
            raise DataError(
                f"{where} line {number} has no tab; expected "
                "source<TAB>target on every line"
            )
        source, target = fields[0].strip(), fields[1].strip()
        if not source or not target:
            side = "before" if not source else "after"
            raise DataError(
                f"{where} line {number} has nothing {side} the tab; "
                "expected a sentence on both sides of it"
            )
        sources.append(source)
        targets.append(target)
    return sources, targets


def read_table(path):
    """`(sources, targets)` of a `.tsv`/`.tab` file, with a header naming
    `source` and `target` columns or (without one) as a `.txt`."""
    text = utf8_text(path.read_bytes(), path)
    csv.field_size_limit(2**31 - 1)
    # newline="": the csv module splits \r, \n and \r\n lines itself.
    reader = csv.reader(
        io.StringIO(text, newline=""),
        delimiter="\t",
        quoting=csv.QUOTE_NONE,  # Tatoeba's quotes are text
    )
    try:
        header = [name.strip().lower() for name in next(reader, [])]
        if "source" not in header or "target" not in header:
            return read_tab_text(text, path)
        columns = header.index("source"), header.index("target")
        sources, targets = [], []
        for row in reader:
            if not "".join(row).strip():
                continue
            if len(row) <= max(columns):
                raise DataError(
                    f"{path} line {reader.line_num} has {len(row)} "
                    f"column(s) but the header has {len(header)}; expected "
                    "a source and a target on every line"
                )
            source, target = (row[i].strip() for i in columns)
            if not source or not target:
                side = "source" if not source else "target"
                raise DataError(
                    f"{path} line {reader.line_num} has an empty {side} "
                    "column; expected a sentence in both the source and "
                    "the target column"
                )
            sources.append(source)
            targets.append(target)
    except csv.Error as error:
        raise DataError(
            f"{path} line {reader.line_num} is not valid TSV "
            f"({shortened(error, 60)}); expected tab-separated text"
        ) from error
    return sources, targets


def _counted(name):
    """Whether a `.zip` entry is a text of pairs (not notes or macOS's
    resource forks)."""
    base = name.rsplit("/", 1)[-1]
    return (
        base.lower().endswith(".txt")
        and not base.startswith(("_", "."))
        and not name.startswith("__MACOSX/")
    )


def read_zip(path):
    """`(sources, targets)` of the one `.txt` in a `.zip`, unextracted."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if not n.endswith("/")]
            texts = sorted(name for name in names if _counted(name))
            if len(texts) != 1:
                what = _shown(texts or sorted(names)) or "nothing"
                count = f"{len(texts)} .txt files" if texts else "no .txt"
                raise DataError(
                    f"{path} holds {count} ({what}); expected exactly one "
                    ".txt of source<TAB>target lines"
                )
            raw = archive.read(texts[0])
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        NotImplementedError,  # a compression zipfile cannot read
        RuntimeError,  # an encrypted entry
    ) as error:
        raise DataError(
            f"{path} is not a readable .zip archive (damaged, encrypted or "
            "another format); expected a .zip holding one .txt of "
            "source<TAB>target lines"
        ) from error
    where = f"{path}:{texts[0]}"
    return read_tab_text(utf8_text(raw, where), where)


def _sentences(path):
    """The stripped lines of a text file, without its trailing empty
    lines."""
    lines = [
        line.strip() for _, line in _lines(utf8_text(path.read_bytes(), path))
    ]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _count(items, noun):
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


def read_aligned(path, target_path):
    """`(sources, targets)` of two line-aligned text files."""
    sources, targets = _sentences(path), _sentences(target_path)
    if len(sources) != len(targets):
        raise DataError(
            f"{path} has {_count(sources, 'line')} but {target_path} has "
            f"{len(targets)}; expected line-aligned files (line i of one "
            "translating line i of the other)"
        )
    pairs = []
    for number, (source, target) in enumerate(zip(sources, targets), 1):
        if bool(source) != bool(target):
            empty, other = (
                (path, target_path) if not source else (target_path, path)
            )
            raise DataError(
                f"{empty} line {number} is empty but line {number} of "
                f"{other} is not; expected a sentence on both lines (or on "
                "neither)"
            )
        if source:
            pairs.append((source, target))
    return [s for s, _ in pairs], [t for _, t in pairs]


def download_spa_eng():
    """The path of `spa-eng.zip`, downloaded once (cached)."""
    try:
        return Path(keras.utils.get_file("spa-eng.zip", origin=SPA_ENG_URL))
    except Exception as error:  # Keras raises a bare Exception offline
        # Keras says "URL fetch failure on <url>: <code> -- <reason>".
        reason = " ".join(str(error).rsplit(" -- ", 1)[-1].split())[:60]
        raise DataError(
            f"{SPA_ENG} could not be downloaded ({reason}); offline, give "
            "the file spa-eng.zip (or its spa.txt) instead"
        ) from error


def _existing(path, expected):
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path} does not exist; expected {expected}")
    if path.is_dir():
        raise DataError(f"{path} is a folder; expected {expected}")
    return path


def _read(path, target_path):
    if target_path is not None:
        suffix = "" if str(path) == SPA_ENG else Path(path).suffix.lower()
        if str(path) == SPA_ENG or suffix in PAIR_SUFFIXES[1:]:
            kind = "the spa-eng pairs" if not suffix else f"a {suffix} of pairs"
            raise DataError(
                f"{path} already holds sources and targets ({kind}); "
                "expected no target file with it, or a file of source "
                "sentences"
            )
        path = _existing(path, "a text file of source sentences")
        target_path = _existing(
            target_path, f"a text file of target sentences aligned with {path}"
        )
        return read_aligned(path, target_path), f"{path} and {target_path}"
    if str(path) == SPA_ENG:
        path = download_spa_eng()
        return read_zip(path), str(path)
    path = _existing(path, EXPECTED)
    suffix = path.suffix.lower()
    if suffix == ".zip":
        return read_zip(path), str(path)
    if suffix in TABLE_SUFFIXES:
        return read_table(path), str(path)
    if suffix == ".txt":
        text = utf8_text(path.read_bytes(), path)
        return read_tab_text(text, path), str(path)
    raise DataError(
        f"{path} has an unknown format ({suffix or 'no suffix'}); expected "
        f"{EXPECTED}, or a target file line-aligned with it"
    )


def read_pairs(path, target_path=None, reverse=False):
    """All pairs of one source, in file order.

    Args:
        path: `"spa-eng"`, a `.txt`/`.zip`/`.tsv` file of pairs, or a text
            file of source sentences (with `target_path`).
        target_path: the text file of target sentences, line-aligned with
            `path`; only with a file of source sentences.
        reverse: swap the sides (targets become sources).

    Returns:
        `(sources, targets)`: two lists of strings, equally long, never
        empty.
    """
    try:
        (sources, targets), where = _read(path, target_path)
    except PermissionError as error:
        raise DataError(
            f"{error.filename or path} cannot be read ({error.strerror}); "
            "expected a file you may read"
        ) from error
    if not sources:
        raise DataError(
            f"{where} {'has' if target_path is None else 'have'} no pairs; "
            "expected source<TAB>target lines (or "
            "line-aligned sentences)"
        )
    return (targets, sources) if reverse else (sources, targets)


# Splits ----------------------------------------------------------------------


def _check(test_fraction, validation_fraction, max_examples):
    check_rate("test_fraction", test_fraction)
    check_rate("validation_fraction", validation_fraction)
    check_positive_int("max_examples", max_examples, allow_none=True)
    if test_fraction + validation_fraction >= 1:
        raise ValueError(
            "`test_fraction` + `validation_fraction` must be below 1 (some "
            f"pairs must train); received test_fraction={test_fraction!r}, "
            f"validation_fraction={validation_fraction!r}."
        )


def _held_out(
    data,
    target_data,
    test_data,
    test_target_data,
    reverse,
    test_fraction,
    max_examples,
    seed,
):
    """`(rest, test, total)`: the shuffled pairs of `data` left for training
    and validation (`None` when only the test pairs are needed), the test
    pairs (at most `max_examples`) and the number of pairs of `data`."""
    if test_target_data is not None and test_data is None:
        raise ValueError(
            "`test_target_data` needs `test_data` (the test sources); "
            f"received test_target_data={test_target_data!r}, "
            "test_data=None."
        )
    if test_data is not None:
        test = read_pairs(test_data, test_target_data, reverse)
        # A seeded sample, in file order; a larger `max_examples` keeps
        # every pair of a smaller one.
        order = np.random.default_rng(seed).permutation(len(test[0]))
        order = sorted(order[:max_examples])
        test = tuple(take(column, order) for column in test)
        if data is None:
            return None, test, None
    pairs = read_pairs(data, target_data, reverse)
    total = len(pairs[0])
    if test_data is None and total < MIN_PAIRS:
        where = data if target_data is None else f"{data} and {target_data}"
        raise DataError(
            f"{where} has {total} pair(s); expected at least {MIN_PAIRS} to "
            "hold out test pairs (or separate test data)"
        )
    rest, held, _ = hold_out(
        pairs,
        None if test_data is None else test,
        test_fraction,
        np.random.default_rng(seed),
        str(data),
        None if test_data is None else str(test_data),
    )
    if test_data is None:
        test = tuple(column[:max_examples] for column in held)
    return rest, test, total


def load(
    data,
    target_data=None,
    test_data=None,
    test_target_data=None,
    reverse=False,
    test_fraction=0.15,
    validation_fraction=VALIDATION_FRACTION,
    max_examples=None,
    seed=1337,
):
    """Reads `data` (see the module docstring) into a `ParallelData`.

    All pairs of `data` are shuffled with `np.random.default_rng(seed)`;
    the test pairs are all of `test_data` if given, else the last
    `test_fraction` of the shuffled pairs (`applications._splits.hold_out`);
    the `validation_fraction` of all pairs before them validates (none
    when fewer than `MIN_VALIDATION_EXAMPLES` pairs are left for training
    and validation); the rest trains.

    `max_examples` keeps the first `max_examples` pairs of each split
    after splitting (each split is in seeded shuffled order, so this is a
    seeded sample): the splits do not depend on it, so the test pairs of a
    run with `max_examples` are always test pairs of a run without it,
    never training ones. Pairs of `test_data` are sampled with the seed
    and kept in file order.

    Args:
        data: `"spa-eng"`, a file of pairs, or a file of source sentences.
        target_data: the line-aligned file of target sentences of `data`.
        test_data: separate test pairs, in one of the same formats.
        test_target_data: the target sentences of `test_data`.
        reverse: swap sources and targets (of `test_data` too).
        test_fraction: the share of `data` held out for testing when
            `test_data` is not given.
        validation_fraction: the share of `data` that validates.
        max_examples: at most this many pairs of each split.
        seed: seed of the shuffle and of the samples.

    Returns:
        A `ParallelData` of `(sources, targets)` lists.
    """
    _check(test_fraction, validation_fraction, max_examples)
    rest, test, total = _held_out(
        data,
        target_data,
        test_data,
        test_target_data,
        reverse,
        test_fraction,
        max_examples,
        seed,
    )
    count = len(rest[0])
    size = 0
    if count >= MIN_VALIDATION_EXAMPLES:
        size = min(round(total * validation_fraction), count - 1)
    cut = count - size
    train = tuple(column[:cut][:max_examples] for column in rest)
    validation = tuple(column[cut:][:max_examples] for column in rest)
    return ParallelData(train=train, validation=validation, test=test)


def load_test(
    data,
    target_data=None,
    test_data=None,
    test_target_data=None,
    reverse=False,
    test_fraction=0.15,
    max_examples=None,
    seed=1337,
):
    """`(sources, targets)` to evaluate on: the pairs of `test_data` if
    given (then `data` is not read), else exactly the test pairs `load`
    holds out of `data` for the same arguments."""
    _check(test_fraction, 0.0, max_examples)
    _, test, _ = _held_out(
        None if test_data is not None else data,
        target_data,
        test_data,
        test_target_data,
        reverse,
        test_fraction,
        max_examples,
        seed,
    )
    return test
