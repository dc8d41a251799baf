"""The Python examples in README.md run as written."""

import os
import re

import pytest

README = os.path.join(os.path.dirname(os.path.dirname(__file__)), "README.md")
BLOCKS = re.findall(r"```python\n(.*?)```", open(README).read(), re.DOTALL)


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_example_runs(index, monkeypatch):
    # The examples set KERAS_BACKEND; monkeypatch puts it back afterwards.
    monkeypatch.setenv("KERAS_BACKEND", os.environ.get("KERAS_BACKEND", ""))
    exec(compile(BLOCKS[index], f"README.md block {index}", "exec"), {})


def test_examples_respect_an_exported_keras_backend():
    # An example that assigns KERAS_BACKEND overrides the user's choice.
    for block in BLOCKS:
        assert 'os.environ["KERAS_BACKEND"] =' not in block, block[:200]
