"""`run_application_test`: the checks every application passes, on every
backend, beside `tests.test_case.run_layer_test` for layers.

In order: one `fit` step on tiny real data that changes the weights; a
`.keras` round trip with the same config and equal predictions on raw
inputs; the dtype policy kept through save and load (a model built under
`mixed_bfloat16` reloads as `mixed_bfloat16` under a float32 default);
an int8-quantized model close to the float one, saved and reloaded;
the files of a command-line `train` run; `evaluate` and `predict` run as
subprocesses (one JSON object on stdout; inputs given as arguments and
by `--input-file`, or on standard input, give the same lines; no backend
log line on stderr); `--help` complete and answered without importing
Keras; and every bad input given exits with status 2 and one line
`error: ...` of at most 200 characters, writing nothing.

`check_exact_resume` (a separate test per application: it trains four
times) checks a quiet, short `train` output, then that Ctrl-C stops a
run with exit status 130 and a resume hint, and that a run stopped by
Ctrl-C, resumed, killed with SIGKILL and resumed again ends as the
uninterrupted run ends: the same epochs, best epoch and test metrics.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import keras
import numpy as np

from applications._runner import main
from applications._runner.run_directory import WORK_DIR

ROOT = Path(__file__).resolve().parents[1]
RUN_FILES = ("model.keras", "metrics.json", "history.csv")
# What TensorFlow's, absl's and XLA's own logging looks like on stderr.
BACKEND_LOG = re.compile(
    r"^([IWEF]\d{4} |WARNING: All log messages|.*cuda|.*oneDNN|.*XLA)",
    re.IGNORECASE | re.MULTILINE,
)
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
LONGEST_ERROR = 200
LONGEST_PROGRESS_LINE = 120


def run_cli(application, *argv, env=None, stdin=None, timeout=300):
    """`python -m applications.<name> ARGV` in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", f"applications.{application.name}", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        input=stdin,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def _command(application, *argv):
    return [sys.executable, "-m", f"applications.{application.name}", *argv]


def assert_no_backend_log(stderr):
    found = BACKEND_LOG.search(stderr)
    assert found is None, f"backend log line on stderr: {found.group(0)!r}"


def train_cli(application, output, *argv, env=None):
    """A finished `train` run into `output` (asserts it succeeded)."""
    result = run_cli(
        application,
        "train",
        "--output",
        str(output),
        "--quiet",
        *argv,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return Path(output)


def _weights(model):
    return [np.array(w) for w in model.get_weights()]


def check_fit_and_round_trip(build_model, x, y, predict_inputs, tmp_path):
    keras.utils.set_random_seed(1)
    model = build_model()
    before = _weights(model)
    history = model.fit(x, y, batch_size=len(y), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert any(
        not np.allclose(a, b) for a, b in zip(before, _weights(model))
    ), "one fit step changed no weight"
    check_round_trip(model, predict_inputs, tmp_path)


def check_round_trip(model, inputs, tmp_path, **predict_options):
    """A `.keras` file of `model` loads as the same class, with the same
    config, and predicts `inputs` as `model` does; returns the loaded
    model's predictions."""
    expected = model.predict(inputs, verbose=0, **predict_options)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded) is type(model)
    assert loaded.get_config() == model.get_config()
    predicted = loaded.predict(inputs, verbose=0, **predict_options)
    np.testing.assert_allclose(predicted, expected, atol=1e-6)
    return predicted


def check_dtype_policy_kept(build_model, predict_inputs, tmp_path):
    previous = keras.config.dtype_policy()
    try:
        keras.config.set_dtype_policy("mixed_bfloat16")
        model = build_model()
        model.save(tmp_path / "mixed.keras")
        keras.config.set_dtype_policy("float32")
        loaded = keras.saving.load_model(tmp_path / "mixed.keras")
    finally:
        keras.config.set_dtype_policy(previous)
    assert loaded.dtype_policy.name == "mixed_bfloat16"
    assert loaded.backbone.dtype_policy.name == "mixed_bfloat16"
    np.testing.assert_allclose(
        loaded.predict(predict_inputs, verbose=0),
        model.predict(predict_inputs, verbose=0),
        atol=1e-6,
    )


def check_quantized_round_trip(build_model, predict_inputs, tmp_path):
    """`quantize("int8")` quantizes the backbone, predicts close to the
    float model, and its `.keras` file loads and predicts the same."""
    model = build_model()
    expected = model.predict(predict_inputs, verbose=0)
    model.quantize("int8")
    assert any("int8" in str(weight.dtype) for weight in model.weights)
    quantized = model.predict(predict_inputs, verbose=0)
    np.testing.assert_allclose(quantized, expected, atol=0.05)
    path = tmp_path / "int8.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert any("int8" in str(weight.dtype) for weight in loaded.weights)
    # TensorFlow's int8 kernels differ by ~5e-5 between the two calls.
    np.testing.assert_allclose(
        loaded.predict(predict_inputs, verbose=0), quantized, atol=2e-4
    )


def check_run(
    application, run, evaluate_argv, predict_inputs, predict_argv, tmp_path, env
):
    names = {path.name for path in run.iterdir()}
    assert set(RUN_FILES) <= names, names
    assert not (run / WORK_DIR).exists()
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["backend"] == keras.backend.backend()

    model_file = str(run / "model.keras")
    result = run_cli(
        application,
        "evaluate",
        "--model",
        model_file,
        *evaluate_argv,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    evaluated = json.loads(result.stdout)  # one JSON object, nothing else
    assert set(evaluated) == set(metrics["test"])
    assert_no_backend_log(result.stderr)

    # The first input as an argument and the rest from a file, then all
    # from standard input: the same lines.
    lines = {}
    inputs_file = tmp_path / "inputs.txt"
    separator = "\n\n" if application.input_unit == "paragraph" else "\n"
    inputs_file.write_text(separator.join(predict_inputs[1:]) + "\n", "utf-8")
    for way, argv, stdin in [
        (
            "arguments and file",
            [predict_inputs[0], "--input-file", str(inputs_file)],
            None,
        ),
        ("stdin", ["--input-file", "-"], separator.join(predict_inputs)),
    ]:
        result = run_cli(
            application,
            "predict",
            "--model",
            model_file,
            *predict_argv,
            *argv,
            env=env,
            stdin=stdin,
        )
        assert result.returncode == 0, (way, result.stderr[-3000:])
        assert_no_backend_log(result.stderr)
        lines[way] = [json.loads(line) for line in result.stdout.splitlines()]
        assert len(lines[way]) == len(predict_inputs), way
    assert lines["arguments and file"] == lines["stdin"]
    return {"evaluate": evaluated, "predict": lines["stdin"]}


def check_bad_inputs(application, bad_inputs, capsys, untouched):
    for argv, message in bad_inputs:
        status = main(application, argv)
        err = capsys.readouterr().err.strip()
        assert status == 2, (argv, err)
        assert len(err.splitlines()) == 1, err
        assert err.startswith("error: ") and message in err, (argv, err)
        # Paths are the user's; the rest of the line must be short.
        assert len(err.replace(str(untouched.parent), "T")) <= LONGEST_ERROR, (
            err
        )
    assert not untouched.exists(), "a refused run wrote its --output"


def _option_help(help_text, flag):
    """The help of `flag` in an argparse `--help` text, on one line."""
    for block in re.split(r"\n  (?=-)", help_text):
        if block.startswith(f"{flag} ") or block.startswith(f"{flag}\n"):
            return " ".join(block.split())
    raise AssertionError(f"{flag} is not in the help")


def check_help(application):
    """`--help` of every command: quiet, complete, and without Keras."""
    result = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            *_command(application, "--help")[1:],
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    imported = {
        line.split("|")[-1].strip() for line in result.stderr.splitlines()
    }
    assert not {"keras", "tensorflow", "jax", "torch"} & imported
    assert "KERAS_BACKEND" in result.stdout
    for command in ("train", "evaluate", "predict", "export"):
        assert command in result.stdout
    result = run_cli(application, "train", "--help")
    assert result.returncode == 0 and not result.stderr, result.stderr
    for flag in ("--epochs", "--batch-size", "--seed", "--patience"):
        assert "default" in _option_help(result.stdout, flag), flag
    assert "required" in _option_help(result.stdout, "--data")
    text = " ".join(result.stdout.split())
    for written in ("model.keras", "metrics.json", "history.csv", "best.keras"):
        assert written in text


def run_application_test(
    application,
    build_model,
    x,
    y,
    predict_inputs,
    tmp_path,
    capsys,
    run=None,
    evaluate_argv=(),
    predict_argv=(),
    bad_inputs=(),
    env=None,
):
    """Runs the checks of the module docstring; returns, for `run`, what
    `evaluate` printed (a dict) and the `predict` lines (a list of dicts)
    as `{"evaluate": ..., "predict": ...}`, or `None` without `run`.

    Args:
        application: the application's `cli.APPLICATION`.
        build_model: returns a small compiled model of the application
            (called twice: in float32 and under `mixed_bfloat16`).
        x, y: raw training inputs and targets for one `fit` step.
        predict_inputs: raw inputs (strings) the model predicts.
        tmp_path, capsys: pytest's fixtures.
        run: the output folder of a finished `train_cli` run.
        evaluate_argv: the `evaluate` arguments after `--model`.
        predict_argv: more `predict` options (`--explain`, ...).
        bad_inputs: `(argv, message)` pairs that must exit with status 2
            and a one-line error holding `message`; they must not write
            `tmp_path / "new"`.
        env: extra environment of the subprocesses.
    """
    check_fit_and_round_trip(build_model, x, y, predict_inputs, tmp_path)
    check_dtype_policy_kept(build_model, predict_inputs, tmp_path)
    check_quantized_round_trip(build_model, predict_inputs, tmp_path)
    check_bad_inputs(application, bad_inputs, capsys, tmp_path / "new")
    check_help(application)
    if run is None:
        return None
    return check_run(
        application,
        run,
        evaluate_argv,
        predict_inputs,
        predict_argv,
        tmp_path,
        env,
    )


def _wait_for_epoch(process, work, epochs, timeout=300):
    """Waits until the run in `work` has backed up `epochs` epochs."""
    metadata = work / "backup" / "training_metadata.json"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the run ended before it was stopped"
        try:
            if json.loads(metadata.read_text())["epoch"] >= epochs:
                return
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.01)
    raise AssertionError(f"no backup of epoch {epochs} in {timeout} s")


def _stopped(application, argv, work, epochs, sig, env):
    """Runs `train ARGV`, sends `sig` once `epochs` epochs are backed up;
    returns `(exit status, stderr)`."""
    process = subprocess.Popen(
        _command(application, "train", *argv),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    try:
        _wait_for_epoch(process, work, epochs)
        process.send_signal(sig)
        _, stderr = process.communicate(timeout=300)
    finally:
        process.kill()
    return process.returncode, stderr


def _history(run):
    lines = (run / "history.csv").read_text().splitlines()
    header = lines[0].split(",")
    return [
        dict(zip(header, map(float, line.split(",")))) for line in lines[1:]
    ]


def _assert_close(got, want, where):
    """Numbers within 1e-4, everything else equal, in nested dicts."""
    if isinstance(want, dict):
        assert set(got) == set(want), where
        for key, value in want.items():
            _assert_close(got[key], value, f"{where}.{key}")
    elif isinstance(want, (int, float)) and not isinstance(want, bool):
        assert abs(got - want) < 1e-4, (where, got, want)
    else:
        assert got == want, (where, got, want)


def check_exact_resume(application, train_argv, tmp_path, env=None):
    """The checks of `check_exact_resume` in the module docstring.

    Args:
        train_argv: `train` arguments besides `--output` for a run of at
            least three epochs (with `--patience 1`, say).
    """
    whole = tmp_path / "whole"
    result = run_cli(
        application, "train", "--output", str(whole), *train_argv, env=env
    )
    assert result.returncode == 0, result.stderr[-3000:]
    printed = json.loads(result.stdout)  # the JSON result alone on stdout
    assert_no_backend_log(result.stderr)
    progress = ANSI_ESCAPE.sub("", result.stderr).replace("\r", "\n")
    bars = [line for line in progress.split("\n") if "step" in line]
    assert bars, "train showed no progress"
    for line in bars:
        assert len(line) <= LONGEST_PROGRESS_LINE, line
    expected = json.loads((whole / "metrics.json").read_text())
    assert printed == expected["test"]
    assert expected["epochs"] >= 3, "the run must last three epochs"

    run = tmp_path / "stopped"
    work = run / WORK_DIR
    argv = ["--output", str(run), *train_argv]
    status, stderr = _stopped(application, argv, work, 1, signal.SIGINT, env)
    assert status == 130, stderr[-3000:]
    assert (
        stderr.strip()
        .splitlines()[-1]
        .endswith(f"train --output {run} --resume")
    ), stderr[-3000:]
    resume = ["--output", str(run), "--resume", "--quiet"]
    status, _ = _stopped(application, resume, work, 2, signal.SIGKILL, env)
    assert status == -signal.SIGKILL
    train_cli(application, run, "--resume", env=env)

    resumed = json.loads((run / "metrics.json").read_text())
    for key in ("epochs", "best_epoch", "examples"):
        assert resumed[key] == expected[key], key
    _assert_close(resumed["test"], expected["test"], "test")
    for got, want in zip(_history(run), _history(whole), strict=True):
        for key, value in want.items():
            assert abs(got[key] - value) < 1e-4, (key, got, want)
