"""Summarization data: DialogSum and the user's own files.

`--data` may be:

- `dialogsum`: the DialogSum corpus (Chen et al. 2021; 12,460 training,
  500 validation and 500 test dialogues, three reference summaries per
  test dialogue), its three files downloaded once from the authors'
  repository with `keras.utils.get_file` and cached in
  `$KERAS_HOME/datasets` (offline, give `DialogSum_Data.zip` instead);
- a `.zip` holding JSON Lines files (as `DialogSum_Data.zip` does): a
  file whose name holds `train`, `dev`/`val` or `test` is that split, and
  macOS's `__MACOSX/` entries are ignored; a zip of one file is one file;
- a `.jsonl`/`.json` file of one object per line: strict JSON, or one
  Python dict literal per line (single quotes, as in DialogSum's 2021
  files), read with `ast.literal_eval`, never evaluated;
- a `.csv` or `.tsv` file with a header.

`source_field` and `target_field` name the document and the summary
(default: the first of `SOURCE_FIELDS` and `TARGET_FIELDS` the first
example has). An example may have several reference summaries: the
target field and the numbered fields after it (`summary1`, `summary2`,
... when the field is `summary` or `summary1`); training reads the first,
evaluation scores against all of them.

`load` keeps the data's own splits when it has them; otherwise all
examples are shuffled with the seed (`applications._splits`) and the last
`test_fraction` tests, the `validation_fraction` before them validates.
Bad input raises `DataError` with one line naming the file and line.
"""

import ast
import csv
import io
import json
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from applications._splits import MIN_VALIDATION_EXAMPLES
from applications._splits import sample
from applications._splits import take
from applications.errors import DataError
from applications.errors import shortened
from applications.errors import utf8_text
from applications.summarizer.defaults import VALIDATION_FRACTION
from applications.summarizer.lead import average_words

DIALOGSUM = "dialogsum"
DIALOGSUM_URL = (
    "https://raw.githubusercontent.com/cylnlp/dialogsum/main/DialogSum_Data/"
)
SOURCE_FIELDS = ("dialogue", "document", "article", "text", "source")
TARGET_FIELDS = ("summary", "summary1", "highlights", "abstract", "target")
LINE_SUFFIXES = (".jsonl", ".json")
TABLE_SUFFIXES = {".csv": ",", ".tsv": "\t", ".tab": "\t"}
EXPECTED = "'dialogsum', a .zip of JSON Lines, a .jsonl, or a .csv/.tsv"
SPLIT_NAMES = {
    "train": ("train",),
    "validation": ("dev", "val"),
    "test": ("test",),
}
MIN_EXAMPLES = 10  # fewer: no test split can be held out


@dataclass
class Examples:
    """Documents and their reference summaries (a list per document);
    for test examples, `lead_words` is the Lead baseline's length, the
    average training summary's words when the training data is known."""

    sources: list
    references: list
    lead_words: int = None

    @property
    def targets(self):
        """The first reference of each document: what training reads."""
        return [summaries[0] for summaries in self.references]

    def __len__(self):
        return len(self.sources)

    def take(self, order):
        return Examples(take(self.sources, order), take(self.references, order))


@dataclass
class SummaryData:
    """The training, validation and test examples."""

    train: Examples
    validation: Examples  # empty under MIN_VALIDATION_EXAMPLES
    test: Examples


# Records ---------------------------------------------------------------------


def _record(line, where):
    """The dict of one JSON Lines line: strict JSON, else a Python dict
    literal (`ast.literal_eval` reads literals only, never code)."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        try:
            record = ast.literal_eval(line)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            raise DataError(
                f"{where} is neither JSON nor a Python dict literal "
                f"({shortened(line, 40)!r}); expected one object per line"
            ) from None
    if not isinstance(record, dict):
        raise DataError(
            f"{where} holds a {type(record).__name__}, not an object; "
            "expected one object per line"
        )
    return record


def read_json_lines(text, where):
    """`[(line number, record)]` of the non-empty lines of `text`."""
    records = []
    for number, line in enumerate(io.StringIO(text, newline=None), 1):
        if line.strip():
            records.append((number, _record(line, f"{where} line {number}")))
    return records


def read_table(text, where, delimiter):
    """`[(line number, record)]` of a CSV/TSV text with a header."""
    csv.field_size_limit(2**31 - 1)
    # strict: a stray quote is an error, not two rows run together.
    reader = csv.DictReader(
        io.StringIO(text, newline=""), delimiter=delimiter, strict=True
    )
    records = []
    try:
        for row in reader:
            if any((value or "").strip() for value in row.values()):
                records.append((reader.line_num, row))
    except csv.Error as error:
        kind = "TSV" if delimiter == "\t" else "CSV"
        # `line_num` counts the lines before the row that failed.
        raise DataError(
            f"{where} line {reader.line_num + 1} is not valid {kind} "
            f"({shortened(error, 60)}); expected a header, then one "
            "example per row"
        ) from error
    return records


def _numbered(field):
    """`(stem, first)`: `summary1` numbers from 1 after `summary`."""
    match = re.fullmatch(r"(.*?)(\d+)", field)
    if match:
        return match.group(1), int(match.group(2))
    return field, 1


def _references(record, field):
    """The target field's value and the numbered fields after it."""
    stem, number = _numbered(field)
    values = [record.get(field)]
    while f"{stem}{number}" in record or f"{stem}{number + 1}" in record:
        name = f"{stem}{number}"
        if name != field and name in record:
            values.append(record[name])
        number += 1
    return values


def _fields_of(record):
    return ", ".join(str(name) for name in list(record)[:8])


def _no_field(where, name, record):
    return DataError(
        f"{where} has no field {name!r}; its fields are {_fields_of(record)}"
    )


def _field(record, given, choices, role, where):
    if given is not None:
        if given not in record:
            raise _no_field(where, given, record)
        return given
    for name in choices:
        if name in record:
            return name
    raise DataError(
        f"{where} has none of the {role} fields {', '.join(choices)}; its "
        f"fields are {_fields_of(record)}: name the {role} field"
    )


def _text(value):
    return value.strip() if isinstance(value, str) else ""


def examples_of(records, where, source_field=None, target_field=None):
    """The `Examples` of `[(line number, record)]`."""
    if not records:
        raise DataError(f"{where} holds no examples; expected one per line")
    first = records[0]
    source_field = _field(
        first[1],
        source_field,
        SOURCE_FIELDS,
        "document",
        f"{where} line {first[0]}",
    )
    target_field = _field(
        first[1],
        target_field,
        TARGET_FIELDS,
        "summary",
        f"{where} line {first[0]}",
    )
    sources, references = [], []
    for number, record in records:
        line = f"{where} line {number}"
        for name in (source_field, target_field):
            if name not in record:
                raise _no_field(line, name, record)
        source = _text(record[source_field])
        if not source:
            raise DataError(
                f"{line} has an empty {source_field!r}; every example needs "
                "a document"
            )
        summaries = [_text(v) for v in _references(record, target_field)]
        if not summaries[0]:
            raise DataError(
                f"{line} has an empty {target_field!r}; every example needs "
                "a summary"
            )
        sources.append(source)
        references.append([s for s in summaries if s])
    return Examples(sources, references)


# Files -----------------------------------------------------------------------


def _records_of(raw, name, where):
    suffix = Path(name).suffix.lower()
    text = utf8_text(raw, where)
    if suffix in TABLE_SUFFIXES:
        return read_table(text, where, TABLE_SUFFIXES[suffix])
    if suffix in LINE_SUFFIXES:
        return read_json_lines(text, where)
    raise DataError(
        f"{where} has an unknown format ({suffix or 'no suffix'}); expected "
        f"{EXPECTED}"
    )


def _split_of(name):
    base = name.rsplit("/", 1)[-1].lower()
    for split, keys in SPLIT_NAMES.items():
        if any(key in base for key in keys):
            return split
    return None


def _readable(name):
    base = name.rsplit("/", 1)[-1]
    suffix = Path(base).suffix.lower()
    return (
        not name.endswith("/")
        and not name.startswith("__MACOSX/")
        and not base.startswith(".")
        and (suffix in LINE_SUFFIXES or suffix in TABLE_SUFFIXES)
    )


def read_zip(path, **fields):
    """`{split: Examples}` of a `.zip` of JSON Lines or CSV files: the
    splits named by the file names, or `{"all": ...}` for a single file."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = sorted(n for n in archive.namelist() if _readable(n))
            splits = {_split_of(name): name for name in names}
            if len(names) == 1:
                splits = {"all": names[0]}
            elif None in splits or "train" not in splits:
                raise DataError(
                    f"{path} holds {len(names)} data files "
                    f"({', '.join(names[:4]) or 'none'}); expected one file, "
                    "or files named train, dev and test"
                )
            raws = {split: archive.read(name) for split, name in splits.items()}
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        NotImplementedError,
        RuntimeError,
    ) as error:
        raise DataError(
            f"{path} is not a readable .zip archive (damaged, encrypted or "
            f"another format); expected {EXPECTED}"
        ) from error
    return {
        split: examples_of(
            _records_of(raws[split], name, f"{path}:{name}"),
            f"{path}:{name}",
            **fields,
        )
        for split, name in splits.items()
    }


def download_dialogsum():
    """The folder of DialogSum's three files, downloaded once (cached)."""
    import keras

    paths = {}
    for split, name in (("train", "train"), ("validation", "dev")):
        paths[split] = _download(f"dialogsum.{name}.jsonl", keras)
    paths["test"] = _download("dialogsum.test.jsonl", keras)
    return paths


def _download(name, keras):
    try:
        return Path(
            keras.utils.get_file(
                name, origin=DIALOGSUM_URL + name, cache_subdir="dialogsum"
            )
        )
    except Exception as error:  # Keras raises a bare Exception offline
        reason = " ".join(str(error).rsplit(" -- ", 1)[-1].split())[:60]
        raise DataError(
            f"{DIALOGSUM} could not be downloaded ({reason}); offline, give "
            "the file DialogSum_Data.zip instead"
        ) from error


def read_splits(path, source_field=None, target_field=None):
    """`{split: Examples}` of one `--data`: `"train"`, `"validation"`
    and `"test"` when the data has its own splits, else `"all"`."""
    fields = {"source_field": source_field, "target_field": target_field}
    if str(path) == DIALOGSUM:
        return {
            split: examples_of(
                _records_of(p.read_bytes(), p.name, str(p)), str(p), **fields
            )
            for split, p in download_dialogsum().items()
        }
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path} does not exist; expected {EXPECTED}")
    if path.is_dir():
        raise DataError(f"{path} is a folder; expected {EXPECTED}")
    try:
        if path.suffix.lower() == ".zip":
            return read_zip(path, **fields)
        records = _records_of(path.read_bytes(), path.name, str(path))
    except PermissionError as error:
        raise DataError(
            f"{path} cannot be read ({error.strerror}); expected a file you "
            "may read"
        ) from error
    return {"all": examples_of(records, str(path), **fields)}


# Splits ----------------------------------------------------------------------


def _sampled(examples, limit, seed):
    """A seeded sample of at most `limit` examples, in file order."""
    order = np.random.default_rng(seed).permutation(len(examples))
    return examples.take(sorted(order[:limit]))


def _held_out(splits, test_data, test_fraction, seed, fields, where):
    """`(train + validation examples, validation or None, test)`."""
    validation = splits.get("validation")
    if test_data is not None:
        separate = read_splits(test_data, **fields)
        test = separate.get("test", separate.get("all"))
        if test is None:
            raise DataError(
                f"{test_data} has no test file; expected test examples"
            )
        rest = splits.get("train", splits.get("all"))
        return _shuffled(rest, seed), validation, test
    if "test" in splits:
        return _shuffled(splits["train"], seed), validation, splits["test"]
    every = splits.get("all", splits.get("train"))
    if len(every) < MIN_EXAMPLES:
        raise DataError(
            f"{where} has {len(every)} example(s); expected at least "
            f"{MIN_EXAMPLES} to hold out test examples (or separate test "
            "data)"
        )
    shuffled = _shuffled(every, seed)
    cut = round(len(shuffled) * (1 - test_fraction))
    return (
        shuffled.take(range(cut)),
        validation,
        shuffled.take(range(cut, len(shuffled))),
    )


def _shuffled(examples, seed):
    rng = np.random.default_rng(seed)
    sources, references = sample(
        (examples.sources, examples.references), None, rng
    )
    return Examples(list(sources), list(references))


def load(
    data,
    test_data=None,
    source_field=None,
    target_field=None,
    test_fraction=0.1,
    validation_fraction=VALIDATION_FRACTION,
    max_examples=None,
    seed=1337,
):
    """Reads `data` (see the module docstring) into a `SummaryData`.

    The test examples are those of `test_data` if given, else the data's
    own test file, else the last `test_fraction` of the shuffled
    examples; the validation examples are the data's own validation
    file, else the last `validation_fraction` of the rest. `max_examples`
    keeps a seeded sample of at most that many of each split, which never
    moves an example between splits.
    """
    fields = {"source_field": source_field, "target_field": target_field}
    splits = read_splits(data, **fields)
    rest, validation, test = _held_out(
        splits, test_data, test_fraction, seed, fields, data
    )
    if validation is None:
        size = 0
        if len(rest) >= MIN_VALIDATION_EXAMPLES:
            size = min(round(len(rest) * validation_fraction), len(rest) - 1)
        cut = len(rest) - size
        validation = rest.take(range(cut, len(rest)))
        rest = rest.take(range(cut))
    test = _sampled(test, max_examples, seed)
    test.lead_words = average_words(rest.targets)
    return SummaryData(
        train=rest.take(range(min(len(rest), max_examples or len(rest)))),
        validation=_sampled(validation, max_examples, seed),
        test=test,
    )


def load_test(
    data,
    test_fraction=None,
    source_field=None,
    target_field=None,
    max_examples=None,
    seed=1337,
):
    """The examples to evaluate on: with `test_fraction`, exactly the
    test examples `load` holds out of `data`; without, the data's own
    test file if it has one, else all of its examples. Their
    `lead_words` come from the data's training file if it has one."""
    fields = {"source_field": source_field, "target_field": target_field}
    if test_fraction is not None:
        return load(
            data,
            test_fraction=test_fraction,
            max_examples=max_examples,
            seed=seed,
            **fields,
        ).test
    splits = read_splits(data, **fields)
    test = _sampled(
        splits.get("test", splits.get("all", splits.get("train"))),
        max_examples,
        seed,
    )
    if "train" in splits:
        test.lead_words = average_words(splits["train"].targets)
    return test
