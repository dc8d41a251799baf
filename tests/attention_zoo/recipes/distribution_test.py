import json
import os
import subprocess
import sys

import pytest

from attention_zoo import recipes
from tests.test_case import BACKEND

ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
)


def test_data_parallel_fit_equals_single_device_fit():
    if BACKEND == "torch":
        pytest.skip("data_parallel() supports jax and tensorflow only")
    environment = dict(os.environ)
    if BACKEND == "jax":
        environment["XLA_FLAGS"] = "--xla_force_host_platform_device_count=2"
    result = subprocess.run(
        [sys.executable, "-m", "tests.data_parallel_fit"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["replicas"] == 2
    for loss in ("plain", "ignore_class"):
        # Training moved the weights, and both runs moved them alike.
        assert report[f"max_training_change_{loss}"] > 1e-3
        assert report[f"max_difference_{loss}"] < 1e-5


def test_torch_gets_a_clear_error():
    if BACKEND != "torch":
        pytest.skip("the error is specific to the torch backend")
    with pytest.raises(RuntimeError, match="supports the jax and tensorflow"):
        with recipes.data_parallel():
            pass
