"""The runner every application's command line shares.

- `contract`: what an application tells the runner (`Application`,
  `TrainingData`);
- `run_directory`: the output folder as a transaction (atomic publish,
  `--overwrite`, `--resume`);
- `arguments`: the shared flags and their types;
- `commands`: `train`, `evaluate`, `predict`, `export` and `main`.

Only an application's `cli.py` and `__main__.py` import this package.
"""

from applications._runner.commands import main
from applications._runner.contract import Application
from applications._runner.contract import TrainingData
from applications._runner.errors import UsageError

__all__ = ["Application", "TrainingData", "UsageError", "main"]
