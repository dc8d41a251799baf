"""`make demo` works: the demo script trains on the committed IMDB sample,
reports a real accuracy, explains three reviews and saves a reloadable
model (quick mode, on the backend under test)."""

import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_demo_quick_run(tmp_path):
    output = os.path.join(tmp_path, "demo")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "examples.imdb_attention_pooling",
            "--quick",
            "--output",
            output,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    accuracy = float(re.search(r"test accuracy: ([0-9.]+)", result.stdout)[1])
    assert accuracy > 0.65  # 500 real held-out reviews; chance is 0.5
    assert result.stdout.count("most attended:") == 3
    assert "reload check: OK" in result.stdout
    for name in ("attention.png", "model.keras"):
        assert os.path.getsize(os.path.join(output, name)) > 1000
