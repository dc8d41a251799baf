"""`make demo` works: the demo trains the text classifier application on
the committed IMDB sample, reports a real accuracy, explains three
reviews and writes its picture and a loadable model (quick mode, on the
backend under test)."""

import os
import re
import subprocess
import sys

import keras

import applications.text_classifier  # noqa: F401 (registers its classes)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_demo_quick_run(tmp_path):
    output = os.path.join(tmp_path, "demo")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "examples.text_classifier_demo",
            "--quick",
            "--output",
            output,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    accuracy = float(re.search(r"test accuracy: ([0-9.]+)", result.stdout)[1])
    assert accuracy > 0.6  # 1,000 real held-out reviews; chance is 0.5
    assert result.stdout.count("most attended:") == 3
    assert os.path.getsize(os.path.join(output, "attention.png")) > 10_000
    model = keras.saving.load_model(os.path.join(output, "model.keras"))
    assert model.predict(["A wonderful film."], verbose=0).shape == (1, 2)
