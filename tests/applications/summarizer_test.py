"""The summarizer and its command line, on a few dozen real dialogues.

Dialogues come from the committed DialogSum sample
(`data/dialogsum_sample`). Models are tiny (64 source and 16 target ids,
at most 300 SentencePiece pieces). Before their one training step, their
kernels and embeddings are drawn from a standard normal, so that a
decoding that goes wrong changes the tokens (see `translator_test.py`,
which tests the decoding core the two share). One CLI training run (a
subprocess) is shared by the CLI tests; the loader has its own tests
(`summarizer_data_test.py`).
"""

import json
from pathlib import Path

import keras
import numpy as np
import pytest
from keras import ops

from applications._seq2seq.pointer import PointerGenerator
from applications._seq2seq.pointer import copy_distribution
from applications._seq2seq.pointer import coverage_loss
from applications._seq2seq.preprocessor import END
from applications._seq2seq.transformer import TransformerSeq2SeqBackbone
from applications.summarizer import ATTENTIONS
from applications.summarizer import Summarizer
from applications.summarizer import data
from applications.summarizer import recipe
from applications.summarizer.cli import APPLICATION
from applications.summarizer.defaults import NO_REPEAT_NGRAM
from attention_zoo.layers import multi_head_attention
from tests.application_harness import check_bad_inputs
from tests.application_harness import check_dtype_policy_kept
from tests.application_harness import check_help
from tests.application_harness import check_run
from tests.application_harness import train_cli

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "dialogsum_sample"
TRAIN = SAMPLE / "dialogsum.train.jsonl"
SOURCE_LENGTH, TARGET_LENGTH = 64, 16
VOCABULARY_SIZE = 300
SIZES = {
    "multi_head": {
        "num_layers": 1,
        "hidden_dim": 16,
        "intermediate_dim": 32,
        "num_heads": 2,
    },
    "bahdanau": {"embedding_dim": 16, "encoder_units": 16, "decoder_units": 16},
}
SIZES["cosine"] = SIZES["pointer"] = SIZES["multi_head"]
SIZES["luong"] = SIZES["bahdanau"]
RANDOMIZED = ("kernel", "embeddings", "attention_vector")
ROWS = 8


@pytest.fixture(scope="module")
def dialogues():
    """`(documents, summaries)` of the sample's 48 first dialogues."""
    examples = data.read_splits(TRAIN)["all"]
    return examples.sources[:48], examples.targets[:48]


def tiny(dialogues, attention="multi_head"):
    return recipe.build(
        dialogues,
        attention=attention,
        vocabulary_size=VOCABULARY_SIZE,
        source_length=SOURCE_LENGTH,
        target_length=TARGET_LENGTH,
        epochs=1,
        batch_size=len(dialogues[0]),
        **SIZES[attention],
    )


def weights(model):
    return [np.array(w) for w in model.get_weights()]


def randomized(model):
    rng = np.random.default_rng(0)
    for variable in model.trainable_variables:
        if variable.path.endswith(RANDOMIZED):
            shape = tuple(variable.shape)
            variable.assign(rng.normal(size=shape).astype("float32"))
    return model


def packed(model, dialogues):
    return model.preprocessor.pack(dialogues[0][:ROWS], dialogues[1][:ROWS])


# Every variant ---------------------------------------------------------------


RECURRENT_ON_TORCH_ONLY = pytest.mark.skipif(
    keras.backend.backend() != "torch",
    reason="the recurrent backbones are the translator's, whose tests train, "
    "decode and reload them on every backend; here they are checked on "
    "PyTorch, where compiling their decoding loop costs nothing",
)


@pytest.mark.parametrize(
    "attention",
    [
        pytest.param(a, marks=RECURRENT_ON_TORCH_ONLY)
        if a in ("bahdanau", "luong")
        else a
        for a in ATTENTIONS
    ],
)
def test_a_fit_step_then_the_keras_file_summarizes_the_same(
    attention, dialogues, tmp_path
):
    keras.utils.set_random_seed(1)
    model = randomized(tiny(dialogues, attention))
    before = weights(model)
    loss = model.fit(
        *dialogues, batch_size=len(dialogues[0]), epochs=1, verbose=0
    ).history["loss"][0]
    assert np.isfinite(loss) and loss > 0
    assert any(not np.allclose(a, b) for a, b in zip(before, weights(model)))

    inputs, _ = packed(model, dialogues)
    ids = model.preprocess(dialogues[0][:ROWS])
    greedy = model.generate_ids(ids)
    tokens = {
        t for row in model.preprocessor.generated_pieces(greedy) for t in row
    }
    assert len(tokens) >= 5, f"a degenerate model: tokens {tokens}"
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    assert type(loaded) is Summarizer
    assert loaded.get_config() == model.get_config()
    np.testing.assert_allclose(
        loaded.predict_on_batch(inputs),
        model.predict_on_batch(inputs),
        atol=1e-5,
    )
    got = loaded.preprocessor.generated_pieces(loaded.generate_ids(ids))
    assert got == model.preprocessor.generated_pieces(greedy)


# Pointer-generator -----------------------------------------------------------


def test_the_pointer_outputs_a_distribution_that_copies(dialogues):
    """Full forward and cached decoding alike: `softmax(logits)` is
    `exp(logits)`, a distribution (the logits are `log p`), and the
    cached steps give the full forward's logits."""
    keras.utils.set_random_seed(2)
    model = randomized(tiny(dialogues, "pointer"))
    inputs, _ = packed(model, dialogues)
    logits = model.predict_on_batch(inputs)
    np.testing.assert_allclose(np.exp(logits).sum(-1), 1.0, atol=1e-4)
    # Cached decoding, step by step, reads the same distribution.
    backbone = model.backbone
    cache = backbone.start_cache(inputs["encoder_token_ids"], TARGET_LENGTH)
    for index in range(4):
        token = inputs["decoder_token_ids"][:, index : index + 1]
        step, cache = backbone.decode_step(token, cache, index)
        np.testing.assert_allclose(
            ops.convert_to_numpy(step), logits[:, index], atol=1e-4
        )
    # `explain` gives the copy probability of every position.
    targets = inputs["decoder_token_ids"][:, 1:]
    explained = model.explain(inputs["encoder_token_ids"], targets)
    assert explained["copying"].shape == targets.shape
    assert ((explained["copying"] >= 0) & (explained["copying"] <= 1)).all()


def test_copying_gives_a_token_the_generator_never_would():
    """A hand-built case: the vocabulary distribution rules token 7 out
    (`-inf`), but the source holds 7 (an out-of-vocabulary name, as far
    as the generator knows) and the attention rests on it: the mixed
    distribution's most likely token is 7, with exactly `(1 - g) * a`."""
    vocabulary, hidden = 12, 4
    logits = np.zeros((1, 1, vocabulary), "float32")
    logits[..., 7] = -1e9
    logits[..., 5] = 3.0  # the generator's favourite
    attention = np.array([[[0.05, 0.9, 0.05]]], "float32")
    source_ids = np.array([[5, 7, 3]], "int32")
    layer = PointerGenerator()
    states = np.zeros((1, 1, hidden), "float32")
    memory = np.zeros((1, 3, hidden), "float32")
    layer.build(logits.shape, states.shape)
    bias = layer.gate.weights[1]
    bias.assign(np.zeros_like(bias))  # g = sigmoid(0) = 0.5
    log_p, copying = layer(
        logits, states, states, attention, memory, source_ids
    )
    p = np.exp(ops.convert_to_numpy(log_p))[0, 0]
    np.testing.assert_allclose(p.sum(), 1.0, atol=1e-5)
    assert p.argmax() == 7
    np.testing.assert_allclose(p[7], 0.5 * 0.9, atol=1e-5)
    np.testing.assert_allclose(ops.convert_to_numpy(copying), [[0.5]])
    # Ids repeated in the source add up.
    copied = copy_distribution(attention, np.array([[4, 4, 3]]), vocabulary)
    np.testing.assert_allclose(
        ops.convert_to_numpy(copied)[0, 0, [3, 4]], [0.05, 0.95], atol=1e-6
    )


def test_a_summary_of_a_forced_copier_is_made_of_source_tokens(dialogues):
    """With the gate closed (`g = 0`), every generated token is a token
    of its document, a word the training summaries never hold included."""
    keras.utils.set_random_seed(3)
    model = randomized(tiny(dialogues, "pointer"))
    gate = model.backbone.get_layer("pointer").gate
    gate.kernel.assign(np.zeros_like(gate.kernel))
    gate.bias.assign(np.full_like(gate.bias, -50.0))
    document = "#Person1#: Zygmunt Quaxley from Vrbnik called.\n#Person2#: Who?"
    ids = model.preprocess([document])
    generated = model.generate_ids(ids)[0].tolist()
    generated = (
        generated[: generated.index(END)] if END in generated else generated
    )
    assert generated and set(generated) <= set(ids[0].tolist())


def test_coverage_loss_charges_attending_twice():
    once = np.array([[[1.0, 0.0], [0.0, 1.0]]], "float32")
    twice = np.array([[[1.0, 0.0], [1.0, 0.0]]], "float32")
    mask = np.array([[True, True]])
    assert float(coverage_loss(once, mask)) == 0.0
    assert float(coverage_loss(twice, mask)) == pytest.approx(0.5)


# Long inputs -----------------------------------------------------------------


def test_chunked_encoder_attention_equals_dense(monkeypatch):
    """Above `query_chunk_size` source tokens the encoder attends a
    block of queries at a time, with the outputs of dense attention."""
    calls = []
    chunked = multi_head_attention.chunked_attention

    def counted(*args, **kwargs):
        calls.append(kwargs["chunk_size"])
        return chunked(*args, **kwargs)

    monkeypatch.setattr(multi_head_attention, "chunked_attention", counted)
    sizes = dict(
        source_length=200,
        target_length=8,
        num_layers=1,
        hidden_dim=16,
        intermediate_dim=32,
        num_heads=2,
    )
    keras.utils.set_random_seed(5)
    dense = TransformerSeq2SeqBackbone(50, 50, **sizes)
    chunked_model = TransformerSeq2SeqBackbone(
        50, 50, query_chunk_size=32, **sizes
    )
    chunked_model.set_weights(dense.get_weights())
    rng = np.random.default_rng(0)
    source = rng.integers(4, 50, size=(2, 200)).astype("int32")
    source[1, 150:] = 0  # padding
    target = rng.integers(4, 50, size=(2, 8)).astype("int32")
    inputs = {"encoder_token_ids": source, "decoder_token_ids": target}
    want = dense.predict_on_batch(inputs)["logits"]
    assert not calls
    got = chunked_model.predict_on_batch(inputs)["logits"]
    assert calls and set(calls) == {32}
    np.testing.assert_allclose(got, want, atol=1e-4)


# Command line ----------------------------------------------------------------

TRAIN_ARGV = (
    "--data",
    str(TRAIN),
    "--max-examples",
    "40",
    "--epochs",
    "1",
    "--attention",
    "pointer",
    "--source-length",
    str(SOURCE_LENGTH),
    "--target-length",
    str(TARGET_LENGTH),
    "--vocabulary-size",
    str(VOCABULARY_SIZE),
    # The default decoding: greedy, blocking repeated n-grams (beam
    # search is the translator's, tested there).
)


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    return train_cli(
        APPLICATION, tmp_path_factory.mktemp("cli") / "run", *TRAIN_ARGV
    )


def test_train_writes_rouge_beside_the_lead_baseline(trained_run):
    metrics = json.loads((trained_run / "metrics.json").read_text())
    assert metrics["attention"] == "pointer" and metrics["epochs"] == 1
    assert metrics["monitor"] == "val_rougeL"
    assert metrics["source_length"] == SOURCE_LENGTH
    assert metrics["truncated"]["source_length"] == SOURCE_LENGTH
    assert metrics["truncated"]["train"] > 0  # dialogues are longer
    test = metrics["test"]
    assert test["decoding"] == "greedy" and test["references"] == "best"
    for part in (test, test["greedy"], test["lead"]):
        for name in ("rouge1", "rouge2", "rougeL", "rougeLsum"):
            assert 0.0 <= part[name] <= 100.0
            assert part["mean_over_references"][name] <= part[name]
    assert test["rouge1"] == test["greedy"]["rouge1"]
    assert test["greedy"]["no_repeat_ngram"] == NO_REPEAT_NGRAM
    assert test["lead"]["words_of"] == "the average training summary"
    assert test["lead"]["rouge1"] > 5.0  # the opening turns share words
    history = (trained_run / "history.csv").read_text().splitlines()
    assert "val_rougeL" in history[0].split(",")
    pictures = sorted((trained_run / "attention").glob("*.png"))
    assert len(pictures) == 4 and all(p.stat().st_size > 1000 for p in pictures)


def bad_inputs(tmp_path):
    good = repr({"dialogue": "#Person1#: Hi.", "summary": "A greeting."})
    neither = tmp_path / "neither.jsonl"
    neither.write_text(f"{good}\n{{'dialogue': oops}}\n")
    train = ["train", "--output", str(tmp_path / "new"), "--data"]
    not_empty = tmp_path / "plots"
    not_empty.mkdir()
    (not_empty / "keep.png").write_bytes(b"mine")
    return [
        (
            train + [str(neither)],
            f"{neither} line 2 is neither JSON nor a Python dict literal",
        ),
        (train + [str(TRAIN), "--target-field", "gist"], "no field 'gist'"),
        (train + [str(TRAIN), "--decoding", "top_k"], "invalid choice"),
        (train + [str(tmp_path / "missing.jsonl")], "does not exist"),
    ]


INPUTS = [
    "#Person1#: Hello, Mr. Smith. How are you today?\n#Person2#: Fine, "
    "thanks. I need a check-up.",
    "#Person1#: Where is the bank?\n#Person2#: Next to the post office.",
]


def test_the_application_harness(tmp_path, trained_run, dialogues, capsys):
    """`run_application_test`'s checks, one by one, as for the
    translator (a `Seq2Seq` predicts on packed ids, the command line on
    documents): documents of several lines go to `--input-file`
    separated by blank lines."""
    preprocessor = recipe.build_preprocessor(
        dialogues, VOCABULARY_SIZE, SOURCE_LENGTH, TARGET_LENGTH
    )
    check_dtype_policy_kept(
        lambda: tiny(dialogues, "pointer"),
        preprocessor.pack(dialogues[0][:ROWS], dialogues[1][:ROWS])[0],
        tmp_path,
    )
    check_bad_inputs(
        APPLICATION, bad_inputs(tmp_path), capsys, tmp_path / "new"
    )
    printed = check_run(
        APPLICATION,
        trained_run,
        [
            "--data",
            str(SAMPLE / "dialogsum.test.jsonl"),
            "--max-examples",
            "6",
        ],
        INPUTS,
        ["--explain"],
        tmp_path,
        None,
    )
    evaluated = printed["evaluate"]
    assert evaluated["examples"] == 6 and evaluated["reference_count"] == 3
    # Without its training file, Lead is as long as the first references.
    assert evaluated["lead"]["words_of"] == "the average first test reference"

    model = keras.saving.load_model(trained_run / "model.keras")
    summaries = model.generate(INPUTS, no_repeat_ngram=NO_REPEAT_NGRAM)
    for line, summary in zip(printed["predict"], summaries):
        assert line["summary"] == summary and line["decoding"] == "greedy"
        for step in line["attention"]:
            assert set(step) == {
                "token",
                "attended",
                "weight",
                "copy_probability",
            }
            assert 0.0 <= step["copy_probability"] <= 1.0


def test_predict_plots_into_a_new_folder_only(trained_run, tmp_path, capsys):
    from applications._runner import main

    model = str(trained_run / "model.keras")
    plots = tmp_path / "plots"
    argv = ["predict", "--model", model, "--plot", str(plots), "--quiet"]
    assert main(APPLICATION, [*argv, *INPUTS]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    drawn = sorted(plots.iterdir())
    assert [Path(line["plot"]) for line in lines] == drawn
    assert len(drawn) == 2 and all(p.stat().st_size > 1000 for p in drawn)
    before = {p: p.read_bytes() for p in drawn}
    assert main(APPLICATION, [*argv, INPUTS[0]]) == 2
    assert "not an empty folder" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in sorted(plots.iterdir())} == before


def test_help_answers_without_keras():
    check_help(APPLICATION)
