"""The translator and its command line, on a few dozen real sentence pairs.

Pairs come from the committed English-Spanish sample
(`data/spa_eng_sample/spa.txt`, Tatoeba via manythings.org). Models are
tiny (12 ids per side, at most 200 SentencePiece pieces). Before their
one training step, their kernels and embeddings are drawn from a
standard normal: such a model chooses a different token at almost every
step, so a decoding cache, a beam or a mask that goes wrong changes the
tokens (a model of the initial weights repeats one token). One CLI
training run (a subprocess) is shared by the CLI tests. The data loader
has its own tests (`translator_data_test.py`).
"""

import json
from pathlib import Path

import keras
import numpy as np
import pytest

from applications._runner import main
from applications._seq2seq.preprocessor import END
from applications._seq2seq.preprocessor import PAD
from applications._seq2seq.preprocessor import START
from applications._seq2seq.preprocessor import Seq2SeqPreprocessor
from applications._seq2seq.samplers import make_sampler
from applications.translator import ATTENTIONS
from applications.translator import Translator
from applications.translator import data
from applications.translator import recipe
from applications.translator.cli import APPLICATION
from tests.application_harness import check_bad_inputs
from tests.application_harness import check_dtype_policy_kept
from tests.application_harness import check_exact_resume
from tests.application_harness import check_help
from tests.application_harness import check_run
from tests.application_harness import train_cli

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "spa_eng_sample" / "spa.txt"
LENGTH = 12  # ids per side
VOCABULARY_SIZE = 200
SIZES = {
    "multi_head": {
        "num_layers": 1,
        "hidden_dim": 16,
        "intermediate_dim": 32,
        "num_heads": 2,
    },
    "bahdanau": {"embedding_dim": 16, "encoder_units": 16, "decoder_units": 16},
}
SIZES["cosine"], SIZES["luong"] = SIZES["multi_head"], SIZES["bahdanau"]
RANDOMIZED = ("kernel", "embeddings", "attention_vector")  # weight names
ROWS = 8  # sentences decoded at once: one compiled shape per backend
IS_TENSORFLOW = keras.backend.backend() == "tensorflow"


@pytest.fixture(scope="module")
def pairs():
    """The first 48 pairs of the sample (its shortest sentences)."""
    sources, targets = data.read_pairs(SAMPLE)
    return sources[:48], targets[:48]


def tiny(pairs, attention="multi_head"):
    """A small `Translator` of the recipe."""
    return recipe.build(
        pairs,
        attention=attention,
        vocabulary_size=VOCABULARY_SIZE,
        sequence_length=LENGTH,
        epochs=1,
        batch_size=len(pairs[0]),
        **SIZES[attention],
    )


def weights(model):
    return [np.array(w) for w in model.get_weights()]


@pytest.fixture(scope="module")
def models(pairs):
    """`models(attention)`, made on first use: kernels and embeddings
    drawn from a standard normal (normalization and biases as built),
    then one `fit` step on all pairs; `models.made[attention]` is
    `(model, weights before the step, its loss)`."""
    made = {}

    def get(attention):
        if attention not in made:
            keras.utils.set_random_seed(1)
            model = tiny(pairs, attention)
            rng = np.random.default_rng(0)
            for variable in model.trainable_variables:
                if variable.path.endswith(RANDOMIZED):
                    shape = tuple(variable.shape)
                    variable.assign(rng.normal(size=shape).astype("float32"))
            before = weights(model)
            history = model.fit(
                *pairs, batch_size=len(pairs[0]), epochs=1, verbose=0
            )
            made[attention] = model, before, history.history["loss"][0]
        return made[attention][0]

    get.made = made
    return get


def packed(pairs):
    """The model inputs of the first `ROWS` pairs."""
    preprocessor = recipe.build_preprocessor(pairs, VOCABULARY_SIZE, LENGTH)
    return preprocessor.pack(pairs[0][:ROWS], pairs[1][:ROWS])[0]


def encoder_ids(model, pairs):
    return model.preprocess(pairs[0][:ROWS])


def pieces(model, ids):
    return model.preprocessor.generated_pieces(ids)


def varied(model, ids):
    """Asserts that the decoded tokens are not one token repeated."""
    tokens = {token for row in pieces(model, ids) for token in row}
    assert len(tokens) >= 10, f"a degenerate model: tokens {tokens}"


# Preprocessor ----------------------------------------------------------------


def test_sentence_piece_gives_real_sentences_back(pairs):
    preprocessor = recipe.build_preprocessor(pairs, VOCABULARY_SIZE, LENGTH)
    sources, targets = pairs
    assert preprocessor.shared_vocabulary
    assert preprocessor.target_vocabulary_size <= VOCABULARY_SIZE
    assert any("¿" in t for t in targets) and any("¡" in t for t in targets)
    assert any(c in "".join(targets) for c in "áéíóúñ")
    for side, texts in (("source", sources), ("target", targets)):
        rows = getattr(preprocessor, f"{side}_pieces")(texts)
        assert all(row and 1 not in row for row in rows), side  # no UNK
        # A row of generated ids: the pieces, END, then anything.
        ids = np.full((len(rows), max(map(len, rows)) + 2), 7, "int32")
        for i, row in enumerate(rows):
            ids[i, : len(row) + 1] = row + [END]
        assert preprocessor.detokenize(ids) == texts, side

    # Encoder ids: pieces, END, padding; a long sentence keeps its END.
    rows = preprocessor.source_pieces(sources)
    encoded = preprocessor.encode_sources(sources)
    assert encoded.shape == (48, LENGTH) and encoded.dtype == "int32"
    for row, ids in zip(rows, encoded):
        kept = row[: LENGTH - 1] + [END]
        np.testing.assert_array_equal(ids[: len(kept)], kept)
        np.testing.assert_array_equal(ids[len(kept) :], PAD)
    assert max(map(len, rows)) >= LENGTH, "no sentence is cut"
    # The decoder reads START and the pieces and predicts them and END.
    decoder_ids, labels = preprocessor.encode_targets(targets)
    np.testing.assert_array_equal(decoder_ids[:, 0], START)
    shifted = np.where(labels[:, :-1] == END, PAD, labels[:, :-1])
    np.testing.assert_array_equal(decoder_ids[:, 1:], shifted)

    # The config (JSON) and Keras serialization make the same ids.
    config = json.loads(json.dumps(preprocessor.get_config()))
    serialized = keras.saving.serialize_keras_object(preprocessor)
    for restored in (
        Seq2SeqPreprocessor.from_config(config),
        keras.saving.deserialize_keras_object(serialized),
    ):
        assert restored.get_config() == preprocessor.get_config()
        np.testing.assert_array_equal(restored.encode_sources(sources), encoded)
        for a, b in zip(
            restored.encode_targets(targets), (decoder_ids, labels)
        ):
            np.testing.assert_array_equal(a, b)


# Training and saving ---------------------------------------------------------


@pytest.mark.parametrize("attention", ATTENTIONS)
def test_a_fit_step_then_the_keras_file_translates_the_same(
    attention, models, pairs, tmp_path
):
    model = models(attention)
    _, before, loss = models.made[attention]
    assert np.isfinite(loss) and loss > 0
    changed = [not np.allclose(a, b) for a, b in zip(before, weights(model))]
    assert any(changed), "one fit step changed no weight"

    inputs, _ = model.preprocessor.pack(pairs[0][:ROWS], pairs[1][:ROWS])
    ids = encoder_ids(model, pairs)
    greedy = model.generate_ids(ids)
    varied(model, greedy)
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    assert type(loaded) is Translator
    assert loaded.get_config() == model.get_config()
    np.testing.assert_allclose(
        loaded.predict_on_batch(inputs),
        model.predict_on_batch(inputs),
        atol=1e-5,
    )
    np.testing.assert_array_equal(loaded.preprocess(pairs[0][:ROWS]), ids)
    assert pieces(loaded, loaded.generate_ids(ids)) == pieces(model, greedy)


# Decoding --------------------------------------------------------------------


@pytest.mark.parametrize("attention", ["multi_head", "luong"])
def test_cached_greedy_decoding_equals_recomputing_the_model(
    attention, models, pairs
):
    model = models(attention)
    ids = encoder_ids(model, pairs)
    cached = model.generate_ids(ids)
    assert cached.shape == (ROWS, LENGTH) and cached.dtype == "int32"
    varied(model, cached)
    uncached = model.generate_uncached(ids)
    assert pieces(model, uncached) == pieces(model, cached)


@pytest.mark.parametrize("attention", ["multi_head", "luong"])
def test_beam_search(attention, models, pairs):
    model = models(attention)
    ids = encoder_ids(model, pairs)
    greedy = pieces(model, model.generate_ids(ids))
    one = model.generate_ids(ids, method="beam", beam_width=1)
    assert pieces(model, one) == greedy

    beam = model.generate_ids(ids, method="beam", beam_width=4)
    assert beam.shape == (ROWS, LENGTH) and beam.dtype == "int32"
    vocabulary = model.preprocessor.target_vocabulary_size
    for row in beam.tolist():
        end = row.index(END) if END in row else len(row)
        assert all(0 < t < vocabulary and t != START for t in row[:end]), row
        assert all(t == PAD for t in row[end + 1 :]), row  # finished: padding
    # Each sentence's beams are its own: alone, it decodes the same.
    alone = [
        model.generate_ids(ids[i : i + 1], method="beam", beam_width=4)[0]
        for i in range(3)
    ]
    assert pieces(model, alone) == pieces(model, beam[:3])


def repeats(row, n):
    """Whether the ids `row` (up to its `END`) repeat an n-gram."""
    row = row[: row.index(END)] if END in row else row
    grams = [tuple(row[i : i + n]) for i in range(len(row) - n + 1)]
    return len(set(grams)) < len(grams)


def test_no_repeat_ngram_decodes_no_n_gram_twice(models, pairs):
    model = models("multi_head")
    ids = encoder_ids(model, pairs)
    free = model.generate_ids(ids)
    assert any(repeats(row, 2) for row in free.tolist())  # the case occurs
    for method in ("greedy", "beam"):
        blocked = model.generate_ids(ids, method=method, no_repeat_ngram=2)
        assert not any(repeats(row, 2) for row in blocked.tolist()), method
    with pytest.raises(ValueError, match="no_repeat_ngram"):
        model.generate_ids(ids, no_repeat_ngram=1)


def test_sampling_with_a_seed_is_reproducible(models, pairs):
    model = models("luong")
    ids = encoder_ids(model, pairs)
    greedy = pieces(model, model.generate_ids(ids))
    # Sampling among the most probable token alone is greedy decoding.
    top_1 = model.generate_ids(ids, method="top_k", top_k=1, seed=5)
    assert pieces(model, top_1) == greedy

    # A model of the same weights (as a new process has) samples the same.
    twin = Translator.from_config(model.get_config())
    twin.set_weights(model.get_weights())
    for options in (
        {"method": "top_k", "top_k": 5},
        {"method": "top_p", "top_p": 0.9},
    ):
        sampled = pieces(model, model.generate_ids(ids, seed=3, **options))
        assert pieces(twin, twin.generate_ids(ids, seed=3, **options)) == (
            sampled
        ), options
        assert sampled != greedy, options
    # The seed matters (`sampled` is top_p's, seed 3).
    other = twin.generate_ids(ids, method="top_p", top_p=0.9, seed=4)
    assert pieces(model, other) != sampled


def test_sampling_twice_with_one_seed_gives_the_same_tokens(models, pairs):
    model = models("luong")
    ids = encoder_ids(model, pairs)
    first = model.generate_ids(ids, method="top_k", top_k=5, seed=3)
    again = model.generate_ids(ids, method="top_k", top_k=5, seed=3)
    assert pieces(model, again) == pieces(model, first)


# Padding ---------------------------------------------------------------------


def _real_length(ids):
    return int(np.max(np.sum(ids != PAD, axis=1)))


@pytest.mark.parametrize("attention", ATTENTIONS)
def test_padding_never_changes_the_real_positions(attention, models, pairs):
    model = models(attention)
    # Short pairs: their ids fit in fewer columns than the model reads.
    preprocessor = model.preprocessor
    short = [
        (source, target)
        for source, target in zip(*pairs)
        if len(preprocessor.source_pieces([source])[0]) <= 8
        and len(preprocessor.target_pieces([target])[0]) <= 8
    ][:ROWS]
    inputs, _ = preprocessor.pack(*zip(*short))
    source, target = inputs["encoder_token_ids"], inputs["decoder_token_ids"]
    s, t = _real_length(source), _real_length(target)
    assert len(short) == ROWS and max(s, t) <= LENGTH - 3, (len(short), s, t)

    def logits(encoder, decoder):
        return np.asarray(
            model.predict_on_batch(
                {"encoder_token_ids": encoder, "decoder_token_ids": decoder}
            )
        )

    # Extra padding columns on either side change no real position.
    full = logits(source, target)  # LENGTH columns each
    real = target != PAD
    for encoder, decoder in (
        (source[:, :s], target),
        (source, target[:, :t]),
        (source[:, :s], target[:, :t]),
    ):
        narrow = logits(encoder, decoder)
        columns = decoder.shape[1]
        np.testing.assert_allclose(
            narrow[real[:, :columns]],
            full[:, :columns][real[:, :columns]],
            atol=1e-4,
        )
    assert np.abs(full).max() > 1.0  # the logits are far from all equal

    # The attention gives padding no weight.
    generated = model.generate_ids(source)
    alignment = model.align(source, generated)
    assert alignment.shape == (ROWS, LENGTH, LENGTH)
    padding = np.broadcast_to((source == PAD)[:, None, :], alignment.shape)
    np.testing.assert_array_equal(alignment[padding], 0.0)
    np.testing.assert_allclose(alignment.sum(axis=-1), 1.0, atol=1e-5)


# Export ----------------------------------------------------------------------


@pytest.mark.skipif(
    not IS_TENSORFLOW,
    reason="a SavedModel holds a TensorFlow graph: KERAS_BACKEND=tensorflow",
)
def test_greedy_decoding_exports_to_a_tensorflow_saved_model(
    models, pairs, tmp_path
):
    import tensorflow as tf

    model = models("multi_head")
    ids = encoder_ids(model, pairs)
    sampler = make_sampler("greedy")
    module = tf.Module()
    module.model = model  # tracks the variables
    module.translate = tf.function(
        lambda ids: model.generate_step(ids, sampler, model.max_length),
        input_signature=[tf.TensorSpec((None, LENGTH), tf.int32)],
    )
    tf.saved_model.save(module, str(tmp_path / "saved"))
    loaded = tf.saved_model.load(str(tmp_path / "saved"))
    expected = model.generate_ids(ids)
    varied(model, expected)
    for rows in (ids, ids[:3]):  # any batch size
        exported = loaded.translate(tf.constant(rows)).numpy()
        assert exported.shape == (len(rows), LENGTH + 1)
        np.testing.assert_array_equal(exported[:, 0], START)
        assert pieces(model, exported[:, 1:]) == (
            pieces(model, expected[: len(rows)])
        )


# Quantization ----------------------------------------------------------------


def check_quantized_probabilities(build_model, inputs, tmp_path):
    """The harness's `check_quantized_round_trip` on the next-token
    probabilities (its tolerance, 0.05, is sized for a classifier's
    probabilities; a translator predicts logits), and `predict` after
    `quantize` computes what a call of the quantized model computes."""
    model = build_model()
    expected = keras.ops.softmax(model.predict_on_batch(inputs))
    model.quantize("int8")
    assert any("int8" in str(weight.dtype) for weight in model.weights)
    quantized = model.predict_on_batch(inputs)
    called = keras.ops.convert_to_numpy(model(inputs, training=False))
    np.testing.assert_allclose(quantized, called, atol=1e-5)
    np.testing.assert_allclose(
        keras.ops.softmax(quantized), expected, atol=0.05
    )
    model.save(tmp_path / "int8.keras")
    loaded = keras.saving.load_model(tmp_path / "int8.keras")
    assert any("int8" in str(weight.dtype) for weight in loaded.weights)
    np.testing.assert_allclose(
        loaded.predict_on_batch(inputs), quantized, atol=2e-4
    )


def test_int8_quantization(pairs, tmp_path):
    inputs = packed(pairs)
    check_quantized_probabilities(lambda: tiny(pairs), inputs, tmp_path)


# Command line ----------------------------------------------------------------

TRAIN_ARGV = (
    "--data",
    str(SAMPLE),
    "--max-examples",
    "40",
    "--epochs",
    "1",
    "--sequence-length",
    str(LENGTH),
    "--vocabulary-size",
    str(VOCABULARY_SIZE),
)
INPUTS = ["I love you.", "¿Dónde está Tom?", "It's a sunny day."]


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    return train_cli(
        APPLICATION, tmp_path_factory.mktemp("cli") / "run", *TRAIN_ARGV
    )


def test_train_writes_bleu_and_chrf_with_their_signatures(trained_run):
    metrics = json.loads((trained_run / "metrics.json").read_text())
    assert metrics["attention"] == "multi_head"
    assert metrics["monitor"] == "val_bleu" and metrics["epochs"] == 1
    assert metrics["examples"] == {"train": 40, "validation": 40, "test": 40}
    assert metrics["source_length"] == metrics["target_length"] == LENGTH
    assert 0 < metrics["vocabulary_size"] <= VOCABULARY_SIZE
    test = metrics["test"]
    assert test["decoding"] == "beam" and test["examples"] == 40
    assert (test["bleu"], test["chrf"]) == (
        test["beam"]["bleu"],
        test["beam"]["chrf"],
    )
    assert test["beam"]["beam_width"] == 4
    for decoding in ("beam", "greedy"):
        for score in ("bleu", "chrf"):
            assert 0.0 <= test[decoding][score] <= 100.0
    assert test["signature"]["bleu"].startswith("nrefs:1|case:mixed|")
    assert "|tok:13a|" in test["signature"]["bleu"]
    assert test["signature"]["chrf"].startswith("nrefs:1|case:mixed|")
    assert "|nc:6|" in test["signature"]["chrf"]
    history = (trained_run / "history.csv").read_text().splitlines()
    assert "val_bleu" in history[0].split(",") and len(history) == 2
    pictures = sorted((trained_run / "attention").glob("*.png"))
    assert len(pictures) == 4 and all(p.stat().st_size > 1000 for p in pictures)


def bad_inputs(tmp_path):
    """`(argv, message)` pairs: each must exit with status 2."""
    lines = [f"sentence {i}\tfrase {i}" for i in range(12)]
    no_tab = tmp_path / "no_tab.txt"
    no_tab.write_text("\n".join(lines[:2] + ["only English"] + lines) + "\n")
    empty = tmp_path / "empty_side.txt"
    empty.write_text("\n".join(lines[:4] + ["Hello.\t "] + lines) + "\n")
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(b"PK\x03\x04 not a zip archive")
    sources, targets = tmp_path / "train.en", tmp_path / "train.es"
    sources.write_text("".join(f"sentence {i}\n" for i in range(12)))
    targets.write_text("".join(f"frase {i}\n" for i in range(11)))
    train = ["train", "--output", str(tmp_path / "new"), "--data"]
    return [
        (train + [str(no_tab)], f"{no_tab} line 3 has no tab"),
        (train + [str(empty)], f"{empty} line 5 has nothing after the tab"),
        (train + [str(damaged)], f"{damaged} is not a readable .zip"),
        (
            train + [str(sources), "--target-data", str(targets)],
            f"{sources} has 12 lines but {targets} has 11",
        ),
        (train + [str(tmp_path / "missing.txt")], "does not exist"),
        (train + [str(no_tab), "--decoding", "bogus"], "invalid choice"),
        (train + [str(no_tab), "--beam-width", "0"], "positive integer"),
    ]


def test_the_application_harness(tmp_path, trained_run, pairs, capsys):
    """`run_application_test`'s checks, one by one (the int8 check is
    test_int8_quantization, `check_help` test_help_answers_without_keras):
    its model checks call `model.predict` on raw strings, which a
    `Seq2Seq` does not take (the decoder needs ids), so they get packed
    ids, and the command line the sentences."""
    check_dtype_policy_kept(lambda: tiny(pairs), packed(pairs), tmp_path)
    check_bad_inputs(
        APPLICATION, bad_inputs(tmp_path), capsys, tmp_path / "new"
    )
    held_out = ["--data", str(SAMPLE), "--test-fraction", "0.15"]
    printed = check_run(
        APPLICATION,
        trained_run,
        [*held_out, "--max-examples", "40"],
        INPUTS,
        ["--explain", "--decoding", "top_k"],  # the default seed
        tmp_path,
        None,
    )
    # evaluate scores the run's held-out test pairs as train did.
    metrics = json.loads((trained_run / "metrics.json").read_text())
    assert printed["evaluate"] == metrics["test"]

    # predict: what the model samples with the default seed and --top-k
    # (in two processes alike: check_run compared them), and the
    # attention of each token over the source tokens.
    model = keras.saving.load_model(trained_run / "model.keras")
    ids = model.generate_ids(
        model.preprocess(INPUTS), method="top_k", top_k=8, seed=1337
    )
    translations = model.preprocessor.detokenize(ids)
    for line, text, translation, row in zip(
        printed["predict"], INPUTS, translations, ids
    ):
        assert line["input"] == text and line["decoding"] == "top_k"
        assert line["translation"] == translation
        cut = len(model.preprocessor.source_pieces([text])[0]) >= LENGTH
        assert ("warnings" in line) == cut, line
        shown = line["alignment"]
        assert set(shown) == {"source_tokens", "target_tokens", "weights"}
        assert shown["source_tokens"] == model.preprocessor.source_tokens(text)
        assert shown["source_tokens"][-1] == "</s>"
        generated = model.preprocessor.target_tokens(row)
        ended = ["</s>"] if END in row.tolist() else []
        assert shown["target_tokens"] == (generated + ended)[:LENGTH]
        matrix = np.array(shown["weights"])
        assert matrix.shape == (
            len(shown["target_tokens"]),
            len(shown["source_tokens"]),
        )
        # Every source token is shown, so each row sums to 1 (rounded).
        np.testing.assert_allclose(matrix.sum(axis=1), 1.0, atol=2e-3)


def test_help_answers_without_keras():
    check_help(APPLICATION)


@pytest.mark.parametrize(
    "flags",
    [
        ["--test-target-data", str(SAMPLE)],  # without --test-data
        ["--test-fraction", "0.9"],  # + the validation 0.15 is above 1
    ],
)
def test_flags_the_loader_refuses_exit_2(flags, tmp_path, capsys):
    argv = ["train", "--output", str(tmp_path / "run"), "--data", str(SAMPLE)]
    assert main(APPLICATION, [*argv, *flags]) == 2
    assert flags[0] in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


@pytest.mark.skipif(
    keras.backend.backend() != "torch",
    reason="four training runs of the default-sized translator cost about "
    "3 minutes on JAX and TensorFlow; the resume machinery is the runner's, "
    "checked on every backend with the classifiers, and for the translator "
    "(its val_bleu evaluator, nested metrics) on PyTorch, the quickest",
)
def test_resume_after_ctrl_c_and_a_kill_ends_like_the_whole_run(tmp_path):
    check_exact_resume(
        APPLICATION,
        [
            "--data",
            str(SAMPLE),
            "--max-examples",
            "40",
            "--epochs",
            "3",
            "--patience",
            "3",
            "--sequence-length",
            str(LENGTH),
            "--vocabulary-size",
            str(VOCABULARY_SIZE),
            "--decoding",
            "greedy",
        ],
        tmp_path,
    )
