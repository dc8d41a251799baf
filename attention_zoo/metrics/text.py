"""Generation metrics as papers report them: sacreBLEU's BLEU and chrF,
Google's `rouge_score` ROUGE.

The scores come from the reference implementations, not re-implementations:
a number printed here can be put next to a paper's number. `sacrebleu` and
`rouge-score` are optional dependencies, imported on first use.
"""

import importlib
import re


def _import(module, package):
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(
            f"This metric needs the `{package}` package; install it with "
            f"`pip install {package}`."
        ) from error


def _check_texts(name, texts):
    if isinstance(texts, str) or not hasattr(texts, "__len__"):
        raise ValueError(
            f"`{name}` must be a list of strings; received "
            f"{name} of type {type(texts).__name__}."
        )
    if len(texts) == 0:
        raise ValueError(
            f"`{name}` must be a non-empty list of strings; received an "
            "empty list."
        )
    for index, text in enumerate(texts):
        if not isinstance(text, str):
            raise ValueError(
                f"`{name}` must hold strings; received {name}[{index}] of "
                f"type {type(text).__name__}."
            )
    return list(texts)


def _per_example_references(references, num_examples, name):
    """Returns one list of reference strings per example."""
    if isinstance(references, str) or not hasattr(references, "__len__"):
        raise ValueError(
            f"`{name}` must be a list with one entry per example; received "
            f"{name} of type {type(references).__name__}."
        )
    if len(references) != num_examples:
        raise ValueError(
            f"`{name}` must have one entry per example ({num_examples}); "
            f"received {len(references)} entries."
        )
    result = []
    for index, entry in enumerate(references):
        entry = [entry] if isinstance(entry, str) else entry
        if (
            not isinstance(entry, (list, tuple))
            or len(entry) == 0
            or not all(isinstance(text, str) for text in entry)
        ):
            raise ValueError(
                f"`{name}[{index}]` must be a string or a non-empty list of "
                f"strings; received {entry!r}."
            )
        result.append(list(entry))
    return result


def _reference_streams(references):
    """Transposes per-example references to sacreBLEU's streams.

    sacreBLEU wants `streams[j][i]`, the `j`-th reference of example `i`;
    examples with fewer references are padded with `None`, which sacreBLEU
    reads as "no reference here" (its `nrefs:var` mode).
    """
    num_streams = max(len(entry) for entry in references)
    return [
        [entry[j] if j < len(entry) else None for entry in references]
        for j in range(num_streams)
    ]


def corpus_bleu(hypotheses, references, tokenize="13a", lowercase=False):
    """Corpus-level BLEU computed by sacreBLEU, on its 0-100 scale.

    `BLEU = BP * exp(sum_n log(p_n) / 4)`: the geometric mean of the clipped
    1- to 4-gram precisions pooled over the whole corpus, times the brevity
    penalty `BP = min(1, exp(1 - ref_len / hyp_len))`. Pass detokenized
    text: sacreBLEU tokenizes it itself (`13a`, as WMT does), which is what
    makes scores comparable across papers.

    Args:
        hypotheses: list of system outputs, one string per example.
        references: one entry per hypothesis, either a string or a list of
            reference strings (their number may differ between examples).
            Note the layout: `references[i]` belongs to `hypotheses[i]`,
            which is the transpose of sacreBLEU's own `refs[j][i]`.
        tokenize: sacreBLEU tokenizer (`"13a"`, `"intl"`, `"zh"`,
            `"ja-mecab"`, `"char"`, `"none"`, ...).
        lowercase: case-insensitive BLEU.

    Returns:
        A float in `[0, 100]`, the `score` of sacreBLEU's `BLEUScore`.

    Example:

    >>> round(corpus_bleu(["the cat sat on the mat"],
    ...                   [["the cat sat on the mat"]]), 2)
    100.0

    Reference: Papineni et al. 2002, "BLEU: a Method for Automatic
    Evaluation of Machine Translation", ACL; Post 2018, "A Call for Clarity
    in Reporting BLEU Scores", WMT.
    """
    hypotheses = _check_texts("hypotheses", hypotheses)
    references = _per_example_references(
        references, len(hypotheses), "references"
    )
    metrics = _import("sacrebleu.metrics", "sacrebleu")
    bleu = metrics.BLEU(tokenize=tokenize, lowercase=lowercase)
    return float(
        bleu.corpus_score(hypotheses, _reference_streams(references)).score
    )


def corpus_chrf(
    hypotheses,
    references,
    char_order=6,
    word_order=0,
    beta=2,
    lowercase=False,
):
    """Corpus-level chrF (or chrF++) computed by sacreBLEU, on its 0-100
    scale.

    `chrF_beta = (1 + beta^2) P R / (beta^2 P + R)`, where `P` and `R` are
    character n-gram precision and recall averaged over `n = 1..char_order`
    (and word n-grams up to `word_order`; `word_order=2` is chrF++).
    Statistics are pooled over the corpus; with several references the best
    one per example is used.

    Args:
        hypotheses: list of system outputs, one string per example.
        references: one entry per hypothesis, a string or a list of strings
            (same layout as `corpus_bleu`).
        char_order: largest character n-gram.
        word_order: largest word n-gram; 0 is chrF, 2 is chrF++.
        beta: weight of recall relative to precision.
        lowercase: case-insensitive chrF.

    Returns:
        A float in `[0, 100]`, the `score` of sacreBLEU's `CHRFScore`.

    Example:

    >>> round(corpus_chrf(["the cat sat"], ["the cat sat"]), 2)
    100.0

    Reference: Popovic 2015, "chrF: character n-gram F-score for automatic
    MT evaluation", WMT; Popovic 2017, "chrF++: words helping character
    n-grams", WMT.
    """
    hypotheses = _check_texts("hypotheses", hypotheses)
    references = _per_example_references(
        references, len(hypotheses), "references"
    )
    metrics = _import("sacrebleu.metrics", "sacrebleu")
    chrf = metrics.CHRF(
        char_order=char_order,
        word_order=word_order,
        beta=beta,
        lowercase=lowercase,
    )
    return float(
        chrf.corpus_score(hypotheses, _reference_streams(references)).score
    )


def sacrebleu_signature(metric, num_references=1):
    """sacreBLEU's signature of `corpus_bleu` (`"bleu"`) or `corpus_chrf`
    (`"chrf"`) with their default arguments and `num_references` per
    example, to report with a score (Post 2018), e.g.
    `"nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0"`."""
    metrics = _import("sacrebleu.metrics", "sacrebleu")
    if metric not in ("bleu", "chrf"):
        raise ValueError(
            f"`metric` must be 'bleu' or 'chrf'; received metric={metric!r}."
        )
    scorer = (
        metrics.BLEU(tokenize="13a") if metric == "bleu" else metrics.CHRF()
    )
    # sacreBLEU writes the number of references once it has scored.
    scorer.corpus_score(["a"], [["a"]] * int(num_references))
    return str(scorer.get_signature())


_ROUGE_TYPE = re.compile(r"rouge([1-9][0-9]*|L|Lsum)")


def rouge(
    predictions,
    references,
    rouge_types=("rouge1", "rouge2", "rougeL"),
    use_stemmer=True,
    tokenizer=None,
    multiple_references="best",
):
    """ROUGE F1 computed by Google's `rouge_score`, averaged over examples,
    on a 0-1 scale.

    ROUGE-N is the F1 of the n-gram overlap between a prediction and a
    reference; ROUGE-L the F1 of their longest common subsequence
    (`rougeLsum` splits on newlines first, as in summarization papers, so
    put one sentence per line). Multiply by 100 to compare with papers that
    report percentages.

    Several references per prediction: with `multiple_references="best"`
    each ROUGE type takes the best F1 over the references
    (`RougeScorer.score_multi`), the usual convention (the best reference
    may differ between types); with `"mean"`, the mean F1 over them (as
    DialogSum's authors report).

    Args:
        predictions: list of generated texts, one string per example.
        references: one entry per prediction, a string or a list of strings.
        rouge_types: any of `"rouge1"` ... `"rouge9"`, `"rougeL"`,
            `"rougeLsum"`.
        use_stemmer: Porter-stem words before matching (as most papers do).
        tokenizer: an object with a `tokenize(text)` method. The default
            tokenizer lowercases and keeps only ASCII letters and digits, so
            text in other scripts needs a tokenizer of its own.
        multiple_references: `"best"` or `"mean"` over an example's
            references.

    Returns:
        A dict mapping each ROUGE type to its mean F1, a float in `[0, 1]`.

    Example:

    >>> scores = rouge(["the cat sat"], [["a dog ran", "the cat sat"]],
    ...                rouge_types=("rouge1",))
    >>> round(scores["rouge1"], 4)
    1.0

    Reference: Lin 2004, "ROUGE: A Package for Automatic Evaluation of
    Summaries", ACL workshop.
    """
    predictions = _check_texts("predictions", predictions)
    references = _per_example_references(
        references, len(predictions), "references"
    )
    if isinstance(rouge_types, str):
        rouge_types = (rouge_types,)
    rouge_types = tuple(rouge_types)
    invalid = [t for t in rouge_types if not _ROUGE_TYPE.fullmatch(str(t))]
    if not rouge_types or invalid:
        raise ValueError(
            "`rouge_types` must be a non-empty list of 'rouge1'...'rouge9', "
            f"'rougeL' or 'rougeLsum'; received rouge_types={rouge_types!r}."
        )
    if multiple_references not in ("best", "mean"):
        raise ValueError(
            "`multiple_references` must be 'best' or 'mean'; received "
            f"multiple_references={multiple_references!r}."
        )
    rouge_scorer = _import("rouge_score.rouge_scorer", "rouge-score")
    scorer = rouge_scorer.RougeScorer(
        list(rouge_types), use_stemmer=use_stemmer, tokenizer=tokenizer
    )
    totals = dict.fromkeys(rouge_types, 0.0)
    for prediction, targets in zip(predictions, references):
        if multiple_references == "best":
            scores = scorer.score_multi(targets, prediction)
            for rouge_type in rouge_types:
                totals[rouge_type] += scores[rouge_type].fmeasure
            continue
        each = [scorer.score(target, prediction) for target in targets]
        for rouge_type in rouge_types:
            f1 = [scores[rouge_type].fmeasure for scores in each]
            totals[rouge_type] += sum(f1) / len(f1)
    return {key: value / len(predictions) for key, value in totals.items()}
