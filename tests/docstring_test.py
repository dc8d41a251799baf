"""The `Example:` blocks of the public docstrings run as written."""

import doctest
import importlib
import inspect
import pkgutil

import keras
import pytest

import attention_zoo


def modules_with_examples():
    names = []
    for module in pkgutil.walk_packages(
        attention_zoo.__path__, prefix="attention_zoo."
    ):
        source = inspect.getsource(importlib.import_module(module.name))
        if ">>>" in source:
            names.append(module.name)
    return names


MODULES = modules_with_examples()


def test_examples_are_found():
    assert "attention_zoo.layers.multi_head_attention" in MODULES


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples(module_name):
    module = importlib.import_module(module_name)
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    tests = [
        t for t in finder.find(module, globs={"keras": keras}) if t.examples
    ]
    for test in tests:
        test.globs.update(vars(module))
        runner.run(test)
    assert runner.failures == 0
