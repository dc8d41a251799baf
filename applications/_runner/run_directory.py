"""The run directory as a transaction: a run never clobbers another.

- An existing non-empty `--output` is refused before anything is read or
  written, unless `--overwrite` (start afresh) or `--resume` (continue a
  stopped run).
- Training works in `OUTPUT/.partial/` (the `callbacks.standard` bundle
  keeps its `BackupAndRestore` backup there, `--resume` continues from
  it); the results replace an earlier run's files only when the run has
  succeeded, each file written under a temporary name and renamed, so a
  failed or killed run leaves the earlier run as it was.
"""

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from applications._runner.errors import UsageError

WORK_DIR = ".partial"  # inside the output folder, while a run trains
RUN_FILE = "run.json"  # the arguments of the run, for --resume


@contextlib.contextmanager
def atomic_path(final_path):
    """Yields a temporary path next to `final_path`, renamed onto it when
    the block succeeds and removed when it fails."""
    final_path = Path(final_path)
    handle, temporary = tempfile.mkstemp(
        dir=final_path.parent,
        prefix=f".{final_path.stem}-",
        suffix=final_path.suffix,
    )
    os.close(handle)
    try:
        yield temporary
        chmod_as_created(temporary, 0o666)
        os.replace(temporary, final_path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temporary)
        raise


def chmod_as_created(path, mode):
    """Gives `path` the permissions `open` or `mkdir` would have given it
    (`mode` less the umask): `tempfile` makes its files private."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, mode & ~umask)


def write_json(path, value):
    with atomic_path(path) as temporary:
        with open(temporary, "w", encoding="utf-8") as file:
            json.dump(value, file, indent=2)
            file.write("\n")


def publish(source, target):
    """Moves the file or folder `source` onto `target`, replacing it; an
    old folder is renamed aside first and deleted after the move."""
    source, target = Path(source), Path(target)
    if not source.exists():
        return
    if source.is_dir():
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}-old-{os.getpid()}")
            os.replace(target, old)
        os.replace(source, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(source, target)


def check_output(output, resume=False, overwrite=False):
    """Refuses an output folder that would clobber a run; touches nothing.

    Returns the working folder `OUTPUT/.partial`."""
    output = Path(output)
    work = output / WORK_DIR
    if output.exists() and not output.is_dir():
        raise UsageError(f"--output {output} is a file; expected a folder")
    if resume:
        if not (work / "backup").is_dir() or not (work / RUN_FILE).is_file():
            raise UsageError(
                f"--resume: {output} holds no stopped run to continue "
                "(no backup of a finished epoch); start the run again "
                "without --resume"
            )
        return work
    parent = output if output.exists() else output.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise UsageError(
            f"--output {output}: {parent} is a file; choose a folder path"
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(
            f"--output {output}: {parent} is not writable; choose a folder "
            "you can write to"
        )
    # A run killed before its first backup left only `.partial/`.
    unfinished = {WORK_DIR} if not (work / "backup").exists() else set()
    names = (
        {path.name for path in output.iterdir()} if output.is_dir() else set()
    )
    if names - unfinished and not overwrite:
        raise UsageError(
            f"--output {output} is not empty (an earlier run?); choose a new "
            "folder, or add --overwrite to replace it or --resume to "
            "continue a stopped run"
        )
    return work


def start(work, args):
    """Empties `work` unless resuming and records the run's arguments."""
    if not args.resume and work.exists():
        shutil.rmtree(work)  # a stopped run given up with --overwrite
    work.mkdir(parents=True, exist_ok=True)
    write_json(work / RUN_FILE, vars(args))


def remove_if_empty(output):
    """Removes the folder `output` if nothing is in it."""
    with contextlib.suppress(OSError):
        Path(output).rmdir()


def saved_arguments(work):
    """The arguments `start` recorded, for `--resume`."""
    return json.loads((work / RUN_FILE).read_text(encoding="utf-8"))
