"""Recommendation data: MovieLens in its released formats and the user's
own interaction logs, split leave-one-out.

`--data` may be:

- `movielens` (MovieLens latest-small) or `ml-1m` (MovieLens 1M), each
  downloaded once with `keras.utils.get_file` from GroupLens and cached in
  `$KERAS_HOME/datasets`;
- a MovieLens `.zip` as GroupLens publishes it (`ml-latest-small.zip`,
  `ml-1m.zip`, `ml-100k.zip`), read without extracting it, or a folder
  holding one of its rating files:
  - `ratings.csv` (`userId,movieId,rating,timestamp`, latest releases),
    titles from `movies.csv` beside it;
  - `ratings.dat` (`user::movie::rating::timestamp`, ML-1M), titles from
    `movies.dat`;
  - `u.data` (tab-separated `user item rating timestamp`, ML-100K), titles
    from `u.item`;
- a CSV (`.csv`) or TSV (`.tsv`) file of any interaction log, UTF-8, with a
  header row naming a user, an item and a timestamp column (found by
  name, `userId`/`user_id`/`user`, ..., or given by `user_column`,
  `item_column`, `time_column`); timestamps are numbers (Unix seconds,
  say) or ISO 8601 dates; other columns are ignored.

Every rating counts as an interaction (implicit feedback, as in SASRec).
Items with fewer than `min_count` interactions are dropped, then each
user's history is ordered by time (ties keep the file's order).

Leave-one-out (Kang and McAuley 2018): a user's last item is their test
item, the one before it their validation item, the rest train. Users with
fewer than 3 interactions (after `min_count`) have no held-out items: all
of their history trains, and they are not evaluated. `max_users` keeps a
seeded sample of users. Bad input raises `DataError` in one line.
"""

import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from applications.errors import DataError
from applications.errors import shortened
from applications.errors import utf8_text
from applications.recommender.defaults import MIN_COUNT
from applications.recommender.defaults import SAMPLED_NEGATIVES

URLS = {
    "movielens": "https://files.grouplens.org/datasets/movielens/"
    "ml-latest-small.zip",
    "ml-1m": "https://files.grouplens.org/datasets/movielens/ml-1m.zip",
}
HELD_OUT = 2  # the validation and the test item of each user
# Column names searched, in order, when a CSV's columns are not given.
USER_COLUMNS = ("userId", "user_id", "user", "UserID", "customer_id")
ITEM_COLUMNS = ("movieId", "item_id", "item", "itemId", "ItemID", "product_id")
TIME_COLUMNS = ("timestamp", "time", "date", "datetime", "Timestamp")
TABLE_SUFFIXES = {".csv": ",", ".tsv": "\t"}
EXPECTED = (
    "'movielens', 'ml-1m', a MovieLens .zip or folder, or a .csv/.tsv "
    "interaction log"
)
# MovieLens rating files and their title files, by release.
RATING_FILES = ("ratings.csv", "ratings.dat", "u.data")
TITLE_FILES = {
    "ratings.csv": "movies.csv",
    "ratings.dat": "movies.dat",
    "u.data": "u.item",
}


@dataclass
class Interactions:
    """An interaction log: `users`, `items` (strings) and `times` (float64
    seconds), one entry per interaction, ordered by user then time;
    `titles` maps item ids to names where the data has them."""

    users: np.ndarray
    items: np.ndarray
    times: np.ndarray
    titles: dict
    source: str

    def __len__(self):
        return len(self.users)


@dataclass
class UserSplits:
    """Leave-one-out splits of the users' histories (item id strings).

    Attributes:
        users: every user kept, as strings.
        train: each user's training history (a list of item ids, oldest
            first): all but the last two items, or all of a history
            shorter than 3.
        evaluated: the indices (into `users`) of the users with held-out
            items.
        validation: the validation item of each evaluated user.
        test: the test item of each evaluated user.
        titles: item id -> title, where the data names its items.
        source: what was read, for messages.
    """

    users: list
    train: list
    evaluated: np.ndarray
    validation: list
    test: list
    titles: dict
    source: str

    def history(self, index, upto="test"):
        """User `index`'s history before their `upto` item (`"validation"`
        or `"test"`), or all of it (`"all"`)."""
        train = list(self.train[index])
        position = np.searchsorted(self.evaluated, index)
        held = position < len(self.evaluated)
        held = held and self.evaluated[position] == index
        if not held or upto == "validation":
            return train
        if upto == "test":
            return [*train, self.validation[position]]
        return [*train, self.validation[position], self.test[position]]

    def interactions(self):
        return sum(len(h) for h in self.train) + 2 * len(self.evaluated)


@dataclass
class HeldOut:
    """What `evaluate` scores: for each evaluated user, the history before
    the held-out item, the item, and the items to leave out of the full
    ranking (that history, less the held-out item if it recurs), and
    every item the user ever interacted with (sampled negatives avoid
    them)."""

    users: list
    histories: list
    targets: list
    seen: list
    interacted: list


# Readers ---------------------------------------------------------------------


def _decode(raw, where, latin1=False):
    if latin1:  # the ML-1M and ML-100K files are Latin-1
        return raw.decode("latin-1")
    return utf8_text(raw, where)


def _table(text, delimiter, where):
    """The header, the rows and each row's line in the file (blank rows
    skipped) of a delimited text."""
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=delimiter, strict=True
    )
    rows, lines = [], []
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append(row)
                lines.append(reader.line_num)
    except csv.Error as error:
        raise DataError(
            f"{where} is not valid CSV ({shortened(error, 50)}); expected a "
            "header, then one interaction per row"
        ) from error
    if not rows:
        raise DataError(
            f"{where} is empty; expected a header row and one interaction "
            "per line"
        )
    return rows[0], rows[1:], lines[1:]


def _column(header, given, candidates, kind, where):
    names = [name.strip() for name in header]
    if given is not None:
        if given not in names:
            raise DataError(
                f"{where} has no {kind} column {given!r}; its columns are "
                f"{shortened(', '.join(names), 60)}"
            )
        return names.index(given)
    for name in candidates:
        if name in names:
            return names.index(name)
    raise DataError(
        f"{where} has no {kind} column (none of {', '.join(candidates[:3])}, "
        f"...); its columns are {shortened(', '.join(names), 50)}: name the "
        f"{kind} column"
    )


def parse_times(values, where, lines):
    """Float seconds of numeric timestamps or ISO 8601 dates; `lines`
    numbers the values' lines for messages."""
    try:
        seconds = np.asarray(values, dtype="float64")
        if np.isfinite(seconds).all():
            return seconds  # all numbers, the usual case
    except ValueError:
        pass
    seconds = np.empty(len(values), "float64")
    for i, value in enumerate(values):
        try:
            seconds[i] = float(value)
        except ValueError:
            try:
                stamp = np.datetime64(value.strip().replace(" ", "T"), "s")
                seconds[i] = np.nan if np.isnat(stamp) else stamp.astype(int)
            except ValueError:
                seconds[i] = np.nan
        if not np.isfinite(seconds[i]):
            raise DataError(
                f"{where} line {lines[i]}: timestamp {value!r} is neither a "
                "number nor an ISO 8601 date (2024-05-01 or "
                "2024-05-01T10:30:00)"
            )
    return seconds


def read_table(text, where, delimiter=",", columns=(None, None, None)):
    """`(users, items, times)` of a CSV/TSV text with a header."""
    header, rows, lines = _table(text, delimiter, where)
    user, item, time = (
        _column(header, given, candidates, kind, where)
        for given, candidates, kind in zip(
            columns,
            (USER_COLUMNS, ITEM_COLUMNS, TIME_COLUMNS),
            ("user", "item", "timestamp"),
        )
    )
    if not rows:
        raise DataError(
            f"{where} has a header but no interactions; expected one "
            "interaction per line"
        )
    needed = max(user, item, time) + 1
    for number, row in zip(lines, rows):
        if len(row) < needed:
            raise DataError(
                f"{where} line {number} has {len(row)} fields; expected at "
                f"least {needed} (as the header names them)"
            )
    users = [row[user].strip() for row in rows]
    items = [row[item].strip() for row in rows]
    for name, values in (("user", users), ("item", items)):
        if "" in values:
            line = lines[values.index("")]
            raise DataError(
                f"{where} line {line} has an empty {name} id; every "
                "interaction needs a user and an item"
            )
    times = parse_times([row[time] for row in rows], where, lines)
    return users, items, times


def read_separated(text, separator, where):
    """`(users, items, times)` of ML-1M's `::` or ML-100K's tab files,
    which have no header: `user item rating timestamp`."""
    users, items, times, lines = [], [], [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        lines.append(number)
        fields = line.split(separator)
        if len(fields) < 4:
            raise DataError(
                f"{where} line {number} has {len(fields)} fields; expected "
                f"user{separator}item{separator}rating{separator}timestamp"
            )
        users.append(fields[0].strip())
        items.append(fields[1].strip())
        times.append(fields[3].strip())
    if not users:
        raise DataError(f"{where} is empty; expected one rating per line")
    return users, items, parse_times(times, where, lines)


def read_titles(name, text, where):
    """Item id -> title of a MovieLens title file."""
    if name == "movies.csv":
        _, rows, _ = _table(text, ",", where)
        return {row[0]: row[1] for row in rows if len(row) >= 2}
    separator = "::" if name == "movies.dat" else "|"
    titles = {}
    for line in text.splitlines():
        fields = line.split(separator)
        if len(fields) >= 2:
            titles[fields[0]] = fields[1]
    return titles


def read_movielens(files, where):
    """`(users, items, times, titles)` of the files of one MovieLens
    release: `files` maps a file name to a function returning its bytes."""
    name = next(n for n in RATING_FILES if n in files)
    ratings = f"{where}/{name}"
    latin1 = name != "ratings.csv"
    text = _decode(files[name](), ratings, latin1)
    if name == "ratings.csv":
        users, items, times = read_table(text, ratings)
    else:
        users, items, times = read_separated(
            text, "::" if name == "ratings.dat" else "\t", ratings
        )
    titles = {}
    title_file = TITLE_FILES[name]
    if title_file in files:
        titles = read_titles(
            title_file,
            _decode(files[title_file](), f"{where}/{title_file}", latin1),
            f"{where}/{title_file}",
        )
    return users, items, times, titles


def _zip_files(path):
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise DataError(
            f"{path} is not a readable .zip archive ({shortened(error, 40)}); "
            "download it again, or give the extracted folder"
        ) from error
    files = {}
    for info in archive.infolist():
        name = Path(info.filename).name
        if name in (*RATING_FILES, *TITLE_FILES.values()):
            files.setdefault(name, lambda info=info: archive.read(info))
    return files


def _folder_files(folder):
    return {
        name: (lambda path=folder / name: path.read_bytes())
        for name in (*RATING_FILES, *TITLE_FILES.values())
        if (folder / name).is_file()
    }


def _local(data):
    if data not in URLS:
        return Path(data)
    name = Path(URLS[data]).name
    try:
        return Path(keras.utils.get_file(name, origin=URLS[data]))
    except Exception as error:  # Keras raises a bare Exception offline
        reason = " ".join(str(error).rsplit(" -- ", 1)[-1].split())[:60]
        raise DataError(
            f"{data} could not be downloaded ({reason}); offline, give the "
            f"file {name} instead"
        ) from error


def read(data, user_column=None, item_column=None, time_column=None):
    """The `Interactions` of `data` (see the module docstring), ordered
    by user and time."""
    path = _local(str(data))
    columns = (user_column, item_column, time_column)
    if not path.exists():
        raise DataError(f"{path} does not exist; expected {EXPECTED}")
    if path.is_dir() or path.suffix.lower() == ".zip":
        files = _folder_files(path) if path.is_dir() else _zip_files(path)
        if not any(name in files for name in RATING_FILES):
            raise DataError(
                f"{path} holds no MovieLens rating file "
                f"({', '.join(RATING_FILES)}); expected {EXPECTED}"
            )
        users, items, times, titles = read_movielens(files, str(path))
    elif path.suffix.lower() in TABLE_SUFFIXES:
        text = utf8_text(path.read_bytes(), str(path))
        users, items, times = read_table(
            text, str(path), TABLE_SUFFIXES[path.suffix.lower()], columns
        )
        titles = {}
    else:
        raise DataError(
            f"{path} has an unknown format ({path.suffix or 'no suffix'}); "
            f"expected {EXPECTED}"
        )
    users = np.asarray(users, dtype=str)
    items = np.asarray(items, dtype=str)
    order = np.lexsort((np.arange(len(users)), times, users))
    return Interactions(
        users[order], items[order], times[order], titles, str(path)
    )


# Splits ----------------------------------------------------------------------


def drop_rare_items(interactions, min_count):
    """`interactions` without the items seen fewer than `min_count` times."""
    _, inverse, counts = np.unique(
        interactions.items, return_inverse=True, return_counts=True
    )
    kept = counts[inverse] >= min_count
    if not kept.any():
        raise DataError(
            f"{interactions.source}: no item has {min_count} interactions; "
            "lower the minimum count of an item"
        )
    return Interactions(
        interactions.users[kept],
        interactions.items[kept],
        interactions.times[kept],
        interactions.titles,
        interactions.source,
    )


def leave_one_out(interactions, max_users=None, seed=1337):
    """The `UserSplits` of `interactions` (ordered by user and time)."""
    users, starts = np.unique(interactions.users, return_index=True)
    # np.unique sorts the users as strings, as the log is ordered.
    ends = np.append(starts[1:], len(interactions))
    chosen = np.arange(len(users))
    if max_users is not None and max_users < len(users):
        rng = np.random.default_rng(seed)
        chosen = np.sort(rng.permutation(len(users))[:max_users])
    train, evaluated, validation, test = [], [], [], []
    for position, index in enumerate(chosen):
        history = interactions.items[starts[index] : ends[index]].tolist()
        if len(history) > HELD_OUT:
            evaluated.append(position)
            validation.append(history[-2])
            test.append(history[-1])
            history = history[:-HELD_OUT]
        train.append(history)
    if not evaluated:
        raise DataError(
            f"{interactions.source}: no user has 3 interactions with items "
            "kept; leave-one-out needs a validation and a test item besides "
            "training"
        )
    return UserSplits(
        users=users[chosen].tolist(),
        train=train,
        evaluated=np.asarray(evaluated, "int64"),
        validation=validation,
        test=test,
        titles=interactions.titles,
        source=interactions.source,
    )


def check_catalogue(splits):
    """A `DataError` when a user of `splits` has seen so much of the
    catalogue that fewer than `SAMPLED_NEGATIVES` items are left to sample
    against their held-out item (the evaluation needs them)."""
    items = set(splits.validation) | set(splits.test)
    for history in splits.train:
        items.update(history)
    most = max(
        len(set(splits.history(index, "all"))) for index in splits.evaluated
    )
    if len(items) - most < SAMPLED_NEGATIVES:
        raise DataError(
            f"{splits.source}: a user interacted with {most} of the "
            f"{len(items)} items kept, leaving fewer than {SAMPLED_NEGATIVES} "
            "unseen items to rank the held-out one against; give data with "
            "more items"
        )


def load(
    data,
    min_count=MIN_COUNT,
    max_users=None,
    seed=1337,
    user_column=None,
    item_column=None,
    time_column=None,
):
    """`UserSplits` of `data`: read, rare items dropped, leave-one-out."""
    interactions = read(data, user_column, item_column, time_column)
    interactions = drop_rare_items(interactions, min_count)
    return leave_one_out(interactions, max_users, seed)


def load_known(
    data,
    items,
    max_users=None,
    seed=1337,
    user_column=None,
    item_column=None,
    time_column=None,
):
    """`UserSplits` of `data` restricted to `items` (those a trained
    model knows) before leave-one-out: on the data a model trained on
    (all its users), the split training made with its `min_count`;
    `max_users` samples the users of `data` as given."""
    interactions = read(data, user_column, item_column, time_column)
    kept = np.isin(interactions.items, np.asarray(list(items), dtype=str))
    if not kept.any():
        raise DataError(
            f"{interactions.source} holds no item the model knows; give "
            "interactions with the item ids of its training data"
        )
    interactions = Interactions(
        interactions.users[kept],
        interactions.items[kept],
        interactions.times[kept],
        interactions.titles,
        interactions.source,
    )
    return leave_one_out(interactions, max_users, seed)


def held_out(splits, upto="test"):
    """The `HeldOut` of `splits` for its `upto` items (`"validation"` or
    `"test"`)."""
    targets = splits.test if upto == "test" else splits.validation
    users, histories, kept, seen, interacted = [], [], [], [], []
    for position, index in enumerate(splits.evaluated):
        target = targets[position]
        history = splits.history(index, upto)
        users.append(splits.users[index])
        histories.append(history)
        kept.append(target)
        seen.append(sorted(set(history) - {target}))
        interacted.append(sorted(set(splits.history(index, "all"))))
    return HeldOut(users, histories, kept, seen, interacted)
