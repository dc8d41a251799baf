"""The `Example:` blocks of the public docstrings run as written."""

import doctest
import importlib

import keras
import pytest

MODULES = [
    "attention_zoo.layers.attention_pooling",
    "attention_zoo.layers.bahdanau_attention",
    "attention_zoo.layers.cosine_attention",
    "attention_zoo.layers.cross_attention",
    "attention_zoo.layers.luong_attention",
    "attention_zoo.layers.multi_head_attention",
    "attention_zoo.layers.registry",
]


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples(module_name):
    module = importlib.import_module(module_name)
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    tests = [
        t for t in finder.find(module, globs={"keras": keras}) if t.examples
    ]
    assert tests, f"{module_name} has no docstring example"
    for test in tests:
        test.globs.update(vars(module))
        runner.run(test)
    assert runner.failures == 0
