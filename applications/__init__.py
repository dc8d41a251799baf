"""Ready attention models, each with the same command line.

`python -m applications.<app> train|evaluate|predict|export ...`

Each application is a task (`_task.py`): a backbone, a preprocessor and
compile defaults, in `model.py` and `preprocessor.py`; `data.py` loads
its data under the shared split policy (`_splits.py`) and raises
`errors.DataError`; `recipe.py` builds the model from the data; `cli.py`
adapts it to the shared runner (`_runner/`), the only code that knows the
command line.
"""
