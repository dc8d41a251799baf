"""ROUGE as the summarizer reports it: rouge-score F1 x 100, stemming on,
the best over an example's references and the mean beside it."""

from applications.summarizer.lead import units
from attention_zoo.metrics import rouge

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")
SCORER = (
    "rouge-score F1 x 100, Porter stemmer, best over the references; "
    "rougeLsum on sentences split at line ends and . ! ?"
)


def one_sentence_per_line(text):
    """`text` with one sentence (or dialogue turn) per line, which
    `rougeLsum` needs; the other ROUGE types ignore line ends."""
    return "\n".join(units(text))


def rouge_scores(summaries, references):
    """`{rouge1, rouge2, rougeL, rougeLsum}` F1 x 100 of `summaries`
    against `references` (a list of reference summaries per summary),
    the best over each example's references, with
    `mean_over_references` beside them."""
    summaries = [one_sentence_per_line(s) for s in summaries]
    references = [
        [one_sentence_per_line(r) for r in refs] for refs in references
    ]
    best, mean = (
        rouge(summaries, references, ROUGE_TYPES, multiple_references=way)
        for way in ("best", "mean")
    )
    return {
        **{name: round(100 * best[name], 2) for name in ROUGE_TYPES},
        "mean_over_references": {
            name: round(100 * mean[name], 2) for name in ROUGE_TYPES
        },
    }
