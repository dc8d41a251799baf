"""`python -m applications.<app> export` for the five applications, on
tiny models trained on real data in this module: every format written
from the backend the suite runs on (off TensorFlow, through the
TensorFlow subprocess), each file loaded here in its real runtime
(`tf.saved_model.load`, the LiteRT interpreter, `onnxruntime`) and
compared with the Keras model of this backend. The export command's own
checks are tested by `export_report.json` and by what it refuses."""

import json
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from applications._runner import main
from applications.image_classifier import ImageClassifier
from applications.image_classifier.cli import APPLICATION as IMAGES
from applications.recommender import Recommender
from applications.recommender.cli import APPLICATION as RECOMMENDER
from applications.recommender.defaults import TOP_K
from applications.summarizer import data as summarizer_data
from applications.summarizer import recipe as summarizer_recipe
from applications.summarizer.cli import APPLICATION as SUMMARIZER
from applications.summarizer.export import SummarizerExporter
from applications.text_classifier import TextClassifier
from applications.text_classifier.cli import APPLICATION as TEXTS
from applications.translator import Translator
from applications.translator.cli import APPLICATION as TRANSLATOR
from tests.application_harness import run_cli
from tests.application_harness import train_cli
from tests.applications.image_classifier_test import FASHION
from tests.applications.image_classifier_test import fashion

ROOT = Path(__file__).resolve().parents[2]
IMDB = ROOT / "data" / "imdb_sample"
SPA_ENG = ROOT / "data" / "spa_eng_sample" / "spa.txt"
DIALOGSUM = ROOT / "data" / "dialogsum_sample"
MOVIELENS = ROOT / "data" / "movielens_sample"
SUMMARIZER_EXAMPLE = SummarizerExporter.example
SUMMARIZER_NO_REPEAT_NGRAM = SummarizerExporter.no_repeat_ngram
FORMATS = ("tf_saved_model", "litert", "onnx")
EXAMPLES = "6"  # held-out examples the export command checks
IS_TENSORFLOW = keras.backend.backend() == "tensorflow"
QUANTIZED_ON_TENSORFLOW_ONLY = pytest.mark.skipif(
    not IS_TENSORFLOW,
    reason="quantized files are converted under TensorFlow whatever the "
    "training backend; the hand-over is tested on every backend",
)


def load(run, model_class):
    model = keras.saving.load_model(run / "model.keras")
    assert isinstance(model, model_class)
    return model


def export(application, run, data, output, *argv, may_fail_check=False):
    """The report of a successful export; with `may_fail_check`, `None`
    when the export failed its check (exit 1, nothing written)."""
    result = run_cli(
        application,
        "export",
        "--model",
        str(run / "model.keras"),
        "--data",
        str(data),
        "--output",
        str(output),
        "--max-examples",
        EXAMPLES,
        "--quiet",
        *argv,
    )
    if may_fail_check and result.returncode == 1:
        lines = result.stderr.strip().splitlines()
        assert "does not match the Keras model" in lines[-1]
        assert not output.exists()
        assert not list(output.parent.glob(f".{output.name}-*"))
        return None
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((output / "export_report.json").read_text())
    assert json.loads(result.stdout) == report
    return report


def check_report(report, formats=FORMATS):
    assert report["exported_by"] == "tensorflow"
    assert report["export_requested_on"] == keras.backend.backend()
    assert list(report["formats"]) == list(formats)
    for part in report["formats"].values():
        assert part["problems"] == []
        assert all(size > 0 for size in part["files"].values())
        assert set(part["batch_1_latency_ms"]) >= {"keras"}
    if "litert" in report["formats"]:
        operators = report["formats"]["litert"]["operators"]
        assert operators and not any(o.startswith("Flex") for o in operators)


def checked(exported_run, model_class, *files):
    """The Keras model of an export fixture, once its report is checked
    and `files` are beside the exported ones."""
    run, output, report = exported_run[:3]
    check_report(report)
    assert set(files) <= {path.name for path in output.iterdir()}
    return load(run, model_class)


def litert(path):
    from ai_edge_litert.interpreter import Interpreter

    return Interpreter(model_path=str(path)).get_signature_runner()


def onnx(path):
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path))
    return lambda **feed: dict(
        zip([o.name for o in session.get_outputs()], session.run(None, feed))
    )


def run_usage(output):
    """Runs the Python block of `output/USAGE.md` in `output` (a
    subprocess without Keras); returns its printed lines."""
    text = (output / "USAGE.md").read_text()
    code = text.split("```python\n")[1].split("```")[0]
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=output,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.splitlines()


def saved_model(path):
    import tensorflow as tf
    import tensorflow_text  # noqa: F401 (registers the SentencePiece ops)

    loaded = tf.saved_model.load(str(path))
    return lambda **feed: {
        name: value.numpy()
        for name, value in loaded.serve(
            *[tf.constant(value) for value in feed.values()]
        ).items()
    }


# Text classifier -------------------------------------------------------------


@pytest.fixture(scope="module")
def text_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("text")
    run = train_cli(
        TEXTS,
        root / "run",
        "--data",
        str(IMDB / "train.csv"),
        "--test-data",
        str(IMDB / "test.csv"),
        "--max-examples",
        "200",
        "--epochs",
        "1",
    )
    output = root / "export"
    return run, output, export(TEXTS, run, IMDB / "test.csv", output)


def test_text_classifier_exports_match_keras(text_run):
    run, output, report = text_run
    model = checked(
        text_run, TextClassifier, "vocabulary.txt", "labels.txt", "USAGE.md"
    )
    texts = ["A wonderful, moving film!", "Dull.<br />I didn't like it at all."]
    expected = model.predict(texts, verbose=0)
    for text, want in zip(texts, expected):
        ids = model.preprocessor([text])
        for runner in (
            litert(output / "model.tflite"),
            onnx(output / "model.onnx"),
        ):
            got = runner(token_ids=ids)["probabilities"][0]
            np.testing.assert_allclose(got, want, atol=1e-4)
        served = saved_model(output / "saved_model")(
            text=np.array([text.encode()], dtype=object)
        )
        np.testing.assert_allclose(served["probabilities"][0], want, atol=1e-4)
        label = model.labels[int(want.argmax())]
        assert served["label"][0].decode() == label
    # USAGE.md's lines of Python, without Keras, label as Keras does.
    want = model.predict(["A wonderful film."], verbose=0)[0]
    assert run_usage(output) == [model.labels[int(want.argmax())]] * 2
    # The vocabulary file gives the preprocessor's ids.
    words = (output / "vocabulary.txt").read_text().split("\n")[:-1]
    assert words[:2] == ["", "[UNK]"]
    assert words[2:] == model.preprocessor.vocabulary


@QUANTIZED_ON_TENSORFLOW_ONLY
@pytest.mark.parametrize("quantize", ["dynamic_int8", "int8"])
def test_quantized_text_classifier_keeps_labels(text_run, tmp_path, quantize):
    run, _, float32 = text_run
    calibration = ["--calibration-data", str(IMDB / "train.csv")]
    report = export(
        TEXTS,
        run,
        IMDB / "test.csv",
        tmp_path / quantize,
        "--format",
        "litert",
        "--quantize",
        quantize,
        *(calibration if quantize == "int8" else []),
        # Full int8 of a one-epoch model may lose labels: then the check
        # refuses it, which is tested too.
        may_fail_check=quantize == "int8",
    )
    if report is None:
        return
    check_report(report, ["litert"])
    if quantize == "int8":
        assert report["int8_calibration"].endswith("train.csv")
    part = report["formats"]["litert"]
    assert part["comparison"]["label_agreement"] >= 0.99
    assert part["files"]["model.tflite"] < (
        float32["formats"]["litert"]["files"]["model.tflite"] / 2
    )
    # USAGE.md covers the .tflite file alone, and runs.
    assert "onnxruntime" not in (tmp_path / quantize / "USAGE.md").read_text()
    assert len(run_usage(tmp_path / quantize)) == 1


# Image classifier ------------------------------------------------------------


@pytest.fixture(scope="module")
def image_run(tmp_path_factory):
    if not (FASHION / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"Fashion-MNIST not found in {FASHION}")
    root = tmp_path_factory.mktemp("images")
    images, labels = fashion(96)
    np.savez(
        root / "fashion.npz",
        x_train=images[:64, :, :, None],
        y_train=labels[:64],
        x_test=images[64:, :, :, None],
        y_test=labels[64:],
    )
    run = train_cli(
        IMAGES,
        root / "run",
        "--data",
        str(root / "fashion.npz"),
        "--attention",
        "cbam",
        "--epochs",
        "1",
    )
    output = root / "export"
    return (
        run,
        output,
        root / "fashion.npz",
        export(IMAGES, run, root / "fashion.npz", output),
    )


def test_image_classifier_exports_match_keras(image_run):
    run, output, data, report = image_run
    check_report(report)
    model = load(run, ImageClassifier)
    images = np.load(data)["x_test"][:2]
    expected = model.predict(images, verbose=0)
    for runner in (
        litert(output / "model.tflite"),
        onnx(output / "model.onnx"),
        saved_model(output / "saved_model"),
    ):
        got = runner(images=images)["probabilities"]
        np.testing.assert_allclose(got, expected, atol=1e-4)


# Translator ------------------------------------------------------------------


@pytest.fixture(scope="module")
def translator_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("translator")
    run = train_cli(
        TRANSLATOR,
        root / "run",
        "--data",
        str(SPA_ENG),
        "--max-examples",
        "60",
        "--epochs",
        "1",
        "--sequence-length",
        "10",
        "--vocabulary-size",
        "150",
    )
    output = root / "export"
    return run, output, export(TRANSLATOR, run, SPA_ENG, output)


def test_translator_exports_decode_as_keras_does(translator_run):
    run, output, report = translator_run
    model = checked(
        translator_run, Translator, "source.model", "target.model", "USAGE.md"
    )
    sentences = ["I love you.", "¿Dónde está Tom?"]
    ids = model.preprocessor(sentences)
    want = model.preprocessor.generated_pieces(model.generate_ids(ids))
    for runner in (
        litert(output / "model.tflite"),
        onnx(output / "model.onnx"),
    ):
        got = [runner(source_ids=row[None])["target_ids"][0] for row in ids]
        assert [int(row[0]) for row in got] == [2, 2]  # START
        rows = [np.asarray(row)[1:] for row in got]
        assert model.preprocessor.generated_pieces(rows) == want
    # The .onnx file decodes a batch as it decodes each sentence.
    batch = onnx(output / "model.onnx")(source_ids=ids)["target_ids"]
    assert model.preprocessor.generated_pieces(batch[:, 1:]) == want
    served = saved_model(output / "saved_model")(
        text=np.array([s.encode() for s in sentences], dtype=object)
    )
    translations = [t.decode() for t in served["translation"]]
    assert translations == model.generate(sentences)
    # USAGE.md's lines of Python (LiteRT, then ONNX), without Keras.
    assert run_usage(output) == model.generate(["I love you."]) * 2


@QUANTIZED_ON_TENSORFLOW_ONLY
def test_quantized_translator_is_judged_by_bleu(translator_run, tmp_path):
    run, _, _ = translator_run
    report = export(
        TRANSLATOR,
        run,
        SPA_ENG,
        tmp_path / "int8",
        "--format",
        "onnx",
        "--quantize",
        "dynamic_int8",
    )
    check_report(report, ["onnx"])
    comparison = report["formats"]["onnx"]["comparison"]
    assert set(comparison["bleu"]) == {"keras_float32", "quantized"}
    bleu = comparison["bleu"]
    assert abs(bleu["quantized"] - bleu["keras_float32"]) <= 1


# Summarizer ------------------------------------------------------------------


@pytest.mark.skipif(
    not IS_TENSORFLOW,
    reason="the summarizer exports through the translator's code, whose "
    "hand-over from every backend and SavedModel are tested above; what it "
    "adds is the pointer-generator's decoding graph (a segment sum, a log, "
    "the scatter that blocks repeated n-grams), "
    "the same whichever backend trained it, so it is checked once, on "
    "TensorFlow, as LiteRT and ONNX",
)
def test_the_pointer_generator_exports_decode_as_keras_does(tmp_path):
    examples = summarizer_data.read_splits(DIALOGSUM / "dialogsum.train.jsonl")[
        "all"
    ]
    train = examples.sources[:40], examples.targets[:40]
    keras.utils.set_random_seed(1)
    model = summarizer_recipe.build(
        train,
        attention="pointer",
        vocabulary_size=200,
        source_length=48,
        target_length=12,
        epochs=1,
        num_layers=1,
        hidden_dim=32,
        intermediate_dim=64,
        num_heads=2,
    )
    model.fit(*train, batch_size=20, epochs=1, verbose=0)
    (tmp_path / "run").mkdir()
    model.save(tmp_path / "run" / "model.keras")
    output = tmp_path / "export"
    test = DIALOGSUM / "dialogsum.test.jsonl"
    formats = ("litert", "onnx")
    report = export(
        SUMMARIZER, tmp_path / "run", test, output, "--format", *formats
    )
    check_report(report, formats)
    operators = report["formats"]["litert"]["operators"]
    assert "UNSORTED_SEGMENT_SUM" in operators  # the copy distribution
    assert "SCATTER_ND" in operators  # the n-grams decoding never repeats
    documents = [
        "#Person1#: Where is the bank?\n#Person2#: Next to the post office.",
        "#Person1#: Zygmunt called.\n#Person2#: Who?",
    ]
    ids = model.preprocessor(documents)
    blocked = {"no_repeat_ngram": SUMMARIZER_NO_REPEAT_NGRAM}
    want = model.preprocessor.generated_pieces(
        model.generate_ids(ids, **blocked)
    )
    for runner in (
        litert(output / "model.tflite"),
        onnx(output / "model.onnx"),
    ):
        got = [runner(source_ids=row[None])["target_ids"][0, 1:] for row in ids]
        assert model.preprocessor.generated_pieces(got) == want
    assert run_usage(output) == (
        model.generate([SUMMARIZER_EXAMPLE], **blocked) * 2
    )


# Recommender -----------------------------------------------------------------


@pytest.fixture(scope="module")
def recommender_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("recommender")
    run = train_cli(
        RECOMMENDER,
        root / "run",
        "--data",
        str(MOVIELENS),
        "--min-count",
        "2",
        "--epochs",
        "1",
        "--sequence-length",
        "16",
    )
    output = root / "export"
    return run, output, export(RECOMMENDER, run, MOVIELENS, output)


def test_recommender_exports_rank_as_keras_does(recommender_run):
    _, output, _ = recommender_run
    model = checked(recommender_run, Recommender, "items.tsv", "USAGE.md")
    preprocessor = model.preprocessor
    # The second history is longer than the 16 items the model reads: the
    # exports leave all of it out, as predict does.
    histories = [["1", "50", "260", "1196"], preprocessor.items[:40]]
    encoded = preprocessor({"history": histories, "user": ["", ""]})
    scores = model.predict(encoded, verbose=0)
    exclude = np.zeros_like(scores)
    for row, history in enumerate(histories):
        exclude[row, preprocessor.item_indices(history)] = 1.0
    scores[exclude > 0] = -np.inf
    scores[:, 0] = -np.inf
    best = np.argsort(-scores, axis=1, kind="stable")[:, :TOP_K]
    assert not set(best[1].tolist()) & set(range(1, 41))
    for runner in (
        litert(output / "model.tflite"),
        onnx(output / "model.onnx"),
    ):
        for row in range(len(histories)):
            got = runner(
                history=encoded["history"][row : row + 1],
                user=encoded["user"][row : row + 1],
                exclude=exclude[row : row + 1],
            )
            assert got["items"][0][0] == best[row][0]
            np.testing.assert_allclose(
                got["scores"][0], scores[row, best[row]], atol=1e-4
            )
    window = [h[-16:] for h in histories]
    window = [[""] * (16 - len(h)) + list(h) for h in window]
    longest = max(len(h) for h in histories)
    excluded = [list(h) + [""] * (longest - len(h)) for h in histories]
    served = saved_model(output / "saved_model")(
        history=np.array([[i.encode() for i in h] for h in window], object),
        user=np.array([b"", b""], dtype=object),
        exclude=np.array([[i.encode() for i in h] for h in excluded], object),
    )
    for row in range(len(histories)):
        assert (
            served["items"][row][0].decode()
            == preprocessor.items[best[row][0] - 1]
        )
    # USAGE.md's lines, without Keras, name the same best items.
    titles = [preprocessor.title(int(i)) for i in best[0]]
    printed = run_usage(output)
    assert len(printed) == 2 and all(line == str(titles) for line in printed)


def test_the_command_offers_the_formats_the_library_writes():
    from applications._runner.arguments import EXPORT_FORMATS
    from applications._runner.arguments import EXPORT_QUANTIZATIONS
    from attention_zoo.export import FORMAT_QUANTIZATIONS

    assert set(EXPORT_FORMATS) == set(FORMAT_QUANTIZATIONS)
    offered = {q for qs in FORMAT_QUANTIZATIONS.values() for q in qs}
    assert offered == set(EXPORT_QUANTIZATIONS)


# Refusals --------------------------------------------------------------------


def run_export(application, model, output, capsys, *argv):
    status = main(
        application,
        [
            "export",
            "--model",
            str(model),
            "--data",
            str(IMDB / "test.csv"),
            "--output",
            str(output),
            *argv,
        ],
    )
    return status, capsys.readouterr().err.strip().splitlines()


def test_bad_exports_exit_2_and_write_nothing(text_run, tmp_path, capsys):
    run, _, _ = text_run
    corrupted = tmp_path / "corrupted.keras"
    corrupted.write_bytes((run / "model.keras").read_bytes()[:1000])
    status, err = run_export(TEXTS, corrupted, tmp_path / "a", capsys)
    assert status == 2 and len(err) == 1 and "corrupted.keras" in err[0]
    # A text classifier given to the translator's command.
    status, err = run_export(
        TRANSLATOR, run / "model.keras", tmp_path / "b", capsys
    )
    assert status == 2 and len(err) == 1 and "TextClassifier" in err[0]
    # An output that exists and is not empty.
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "keep.txt").write_text("mine")
    status, err = run_export(TEXTS, run / "model.keras", taken, capsys)
    assert status == 2 and len(err) == 1 and "not empty" in err[0]
    assert [p.name for p in taken.iterdir()] == ["keep.txt"]
    # An output under a file; a quantization a format does not offer.
    status, err = run_export(
        TEXTS, run / "model.keras", run / "model.keras" / "out", capsys
    )
    assert status == 2 and len(err) == 1
    status, err = run_export(
        TEXTS, run / "model.keras", tmp_path / "c", capsys, "--quantize", "int8"
    )
    assert status == 2 and len(err) == 1 and "onnx" in err[0]
    # --overwrite of the folder that holds the model.
    status, err = run_export(
        TEXTS, run / "model.keras", run, capsys, "--overwrite"
    )
    assert status == 2 and len(err) == 1 and "inside --output" in err[0]
    assert (run / "model.keras").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "corrupted.keras",
        "taken",
    ]
