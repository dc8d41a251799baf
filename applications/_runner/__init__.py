"""The runner every application's command line shares.

- `contract`: what an application tells the runner (`Application`,
  `TrainingData`);
- `run_directory`: the output folder as a transaction (atomic publish,
  `--overwrite`, `--resume`);
- `arguments`: the shared flags and their types;
- `commands`: `train`, `evaluate`, `predict`, `export`;
- `main`: parses the command line (without Keras, so `--help` is quick),
  keeps the backend's logging quiet and runs a command.

Only an application's `cli.py` and `__main__.py` import this package.
"""

from applications._runner.contract import Application
from applications._runner.contract import TrainingData
from applications._runner.errors import UsageError
from applications._runner.main import main

__all__ = ["Application", "TrainingData", "UsageError", "main"]
