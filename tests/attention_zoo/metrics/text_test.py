import pytest

from attention_zoo.metrics import corpus_bleu
from attention_zoo.metrics import corpus_chrf
from attention_zoo.metrics import rouge

# The example of sacreBLEU's README ("Using SacreBLEU from Python"), with
# its two reference streams transposed to one list per hypothesis.
HYPOTHESES = [
    "The dog bit the man.",
    "It wasn't surprising.",
    "The man had just bitten him.",
]
STREAMS = [
    [
        "The dog bit the man.",
        "It was not unexpected.",
        "The man bit him first.",
    ],
    [
        "The dog had bit the man.",
        "No one was surprised.",
        "The man had bitten the dog.",
    ],
]
REFERENCES = [list(pair) for pair in zip(*STREAMS)]


def test_bleu_matches_sacrebleu_readme():
    # README: "BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ...)".
    assert corpus_bleu(HYPOTHESES, REFERENCES) == pytest.approx(48.53, abs=5e-3)


def test_bleu_variable_number_of_references():
    # README, "Variable Number of References": the first hypothesis loses
    # its first reference; "BLEU = 29.44".
    references = [
        ["The dog had bit the man."],
        REFERENCES[1],
        REFERENCES[2],
    ]
    assert corpus_bleu(HYPOTHESES, references) == pytest.approx(29.44, abs=5e-3)


def test_bleu_single_reference_strings_and_lowercase():
    # One string per hypothesis is one reference stream.
    assert corpus_bleu(
        ["the cat sat on the mat"], ["the cat sat on the mat"]
    ) == (pytest.approx(100.0))
    hypotheses = ["The Cat sat on the mat"]
    references = ["the cat sat on the mat"]
    assert corpus_bleu(hypotheses, references) < 100.0
    assert corpus_bleu(hypotheses, references, lowercase=True) == (
        pytest.approx(100.0)
    )


def test_chrf_matches_sacrebleu_readme():
    # README: "chrF2 = 59.73".
    assert corpus_chrf(HYPOTHESES, REFERENCES) == pytest.approx(59.73, abs=5e-3)
    chrf_plus_plus = corpus_chrf(HYPOTHESES, REFERENCES, word_order=2)
    assert 0.0 < chrf_plus_plus < 100.0
    assert chrf_plus_plus != pytest.approx(59.73, abs=5e-3)


# rouge-score's README example, target 'The quick brown fox jumps over the
# lazy dog', prediction 'The quick brown dog jumps on the log.'. Stemmed
# tokens: the quick brown fox jump over the lazi dog (9) and the quick brown
# dog jump on the log (8). Unigram overlap 6: P = 6/8, R = 6/9, F1 = 12/17.
# Bigram overlap 2 (the quick, quick brown): P = 2/7, R = 2/8, F1 = 4/15.
# LCS "the quick brown jump the" = 5: P = 5/8, R = 5/9, F1 = 10/17.
TARGET = "The quick brown fox jumps over the lazy dog"
PREDICTION = "The quick brown dog jumps on the log."


def test_rouge_matches_hand_computed_readme_example():
    scores = rouge([PREDICTION], [TARGET])
    assert scores == pytest.approx(
        {"rouge1": 12 / 17, "rouge2": 4 / 15, "rougeL": 10 / 17}
    )


def test_rouge_averages_examples_and_takes_best_reference_per_type():
    scores = rouge(
        [PREDICTION, "a b c"],
        [[TARGET, "the quick brown dog"], "a b c"],
        rouge_types=["rouge1", "rouge2"],
    )
    # Example 1: rouge1 is best against TARGET (12/17 > 8/12), rouge2
    # against "the quick brown dog" (3 of 7 and 3 of 3 bigrams: F1 = 0.6).
    assert scores["rouge1"] == pytest.approx((12 / 17 + 1.0) / 2)
    assert scores["rouge2"] == pytest.approx((0.6 + 1.0) / 2)


def test_rouge_lsum_splits_lines():
    prediction = "the cat sat\nthe dog ran"
    reference = "the dog ran\nthe cat sat"
    scores = rouge([prediction], [reference], rouge_types="rougeLsum")
    assert scores["rougeLsum"] == pytest.approx(1.0)
    assert (
        rouge([prediction], [reference], rouge_types="rougeL")["rougeL"] < 1.0
    )


@pytest.mark.parametrize("function", [corpus_bleu, corpus_chrf, rouge])
def test_rejects_bad_input(function):
    with pytest.raises(ValueError, match="one entry per example"):
        function(["a b", "c d"], ["a b"])
    with pytest.raises(ValueError, match="non-empty list"):
        function([], [])
    with pytest.raises(ValueError, match="must be a list of strings"):
        function("a b", ["a b"])
    with pytest.raises(ValueError, match=r"\[0\]` must be a string"):
        function(["a b"], [[]])
    with pytest.raises(
        ValueError,
        match=r"received hypotheses\[1\]|"
        r"received predictions\[1\]",
    ):
        function(["a b", 3], ["a b", "c"])


def test_rouge_rejects_unknown_type():
    with pytest.raises(ValueError, match="`rouge_types` must be"):
        rouge(["a"], ["a"], rouge_types=("rougeX",))
    with pytest.raises(ValueError, match="`rouge_types` must be"):
        rouge(["a"], ["a"], rouge_types=())
