"""`make demo` works: the demo trains the text classifier application on
the committed IMDB sample, reports a real accuracy, explains three
reviews, writes its picture and a loadable model, and exports the model
to TFLite whose LiteRT labels agree with Keras (quick mode, on the
backend under test)."""

import os
import re
import subprocess
import sys

import keras

from applications.text_classifier import TextClassifier  # noqa: F401 (registers)

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
    tflite = os.path.join(output, "export", "model.tflite")
    assert os.path.getsize(tflite) > 100_000  # about 5 MB of float32 weights
    litert = re.findall(
        r"test review \d+: LiteRT (\w+) \(p = ([0-9.]+)\), "
        r"Keras (\w+) \(p = ([0-9.]+)\)",
        result.stdout,
    )
    assert len(litert) == 3
    for litert_label, litert_p, keras_label, keras_p in litert:
        assert litert_label == keras_label
        assert abs(float(litert_p) - float(keras_p)) <= 0.002
    assert "LiteRT and Keras agree on the 3 labels" in result.stdout
