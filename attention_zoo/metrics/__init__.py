"""Metrics as papers report them: BLEU, chrF and ROUGE from the reference
packages, classification scores and top-K ranking scores, each as a plain
function and, where it runs inside `fit`/`evaluate`, as a Keras metric."""

from attention_zoo.metrics.classification import SparseF1Score
from attention_zoo.metrics.classification import SparsePRAUC
from attention_zoo.metrics.classification import SparsePrecision
from attention_zoo.metrics.classification import SparseRecall
from attention_zoo.metrics.classification import classification_metrics
from attention_zoo.metrics.classification import classification_report
from attention_zoo.metrics.ranking import NDCG
from attention_zoo.metrics.ranking import HitRate
from attention_zoo.metrics.ranking import hit_rate_at_k
from attention_zoo.metrics.ranking import mrr
from attention_zoo.metrics.ranking import ndcg_at_k
from attention_zoo.metrics.ranking import positive_ranks
from attention_zoo.metrics.text import corpus_bleu
from attention_zoo.metrics.text import corpus_chrf
from attention_zoo.metrics.text import rouge
from attention_zoo.metrics.text import sacrebleu_signature

__all__ = [
    "NDCG",
    "HitRate",
    "SparseF1Score",
    "SparsePRAUC",
    "SparsePrecision",
    "SparseRecall",
    "classification_metrics",
    "classification_report",
    "corpus_bleu",
    "corpus_chrf",
    "hit_rate_at_k",
    "mrr",
    "ndcg_at_k",
    "positive_ranks",
    "rouge",
    "sacrebleu_signature",
]
