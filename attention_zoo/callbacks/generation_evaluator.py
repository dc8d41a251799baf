"""Scores generated text (BLEU, chrF or ROUGE) on a held-out slice."""

import keras

from attention_zoo.metrics import corpus_bleu
from attention_zoo.metrics import corpus_chrf
from attention_zoo.metrics import rouge
from attention_zoo.progress import progress

METRICS = ("bleu", "chrf", "rouge1", "rouge2", "rougeL")


def score(metric, hypotheses, references):
    """One number: BLEU and chrF on sacreBLEU's 0-100 scale, ROUGE F1 0-1."""
    if metric == "bleu":
        return corpus_bleu(hypotheses, references)
    if metric == "chrf":
        return corpus_chrf(hypotheses, references)
    return rouge(hypotheses, references, rouge_types=(metric,))[metric]


class GenerationEvaluator(keras.callbacks.Callback):
    """Every `every_n_epochs` epochs, decodes `sources` and logs a score.

    The score goes into the epoch's `logs` as `name` (default
    `val_<metric>`), so callbacks placed after this one in the list
    (`EarlyStopping`, `ModelCheckpoint`, `CSVLogger`) can monitor and record
    it. It is computed on the first epoch and then every `every_n_epochs`.

    Args:
        generate: `generate(list_of_sources) -> list_of_strings`, the
            model's decoding (greedy, beam search, ...).
        sources: the held-out inputs.
        references: one reference string (or list of strings) per source.
        metric: one of `"bleu"`, `"chrf"`, `"rouge1"`, `"rouge2"`,
            `"rougeL"`.
        every_n_epochs: how often to decode.
        batch_size: sources passed to `generate` at a time.
        name: the key in `logs`.
        verbose: 1 shows a progress bar while decoding.
    """

    def __init__(
        self,
        generate,
        sources,
        references,
        metric="bleu",
        every_n_epochs=1,
        batch_size=32,
        name=None,
        verbose=1,
    ):
        super().__init__()
        if metric not in METRICS:
            raise ValueError(
                f"`metric` must be one of {', '.join(METRICS)}; received "
                f"metric={metric!r}."
            )
        if len(sources) != len(references):
            raise ValueError(
                "`sources` and `references` must have the same length; "
                f"received {len(sources)} sources and {len(references)} "
                "references."
            )
        if not sources:
            raise ValueError("`sources` is empty: give at least one example.")
        self.generate = generate
        self.sources = list(sources)
        self.references = list(references)
        self.metric = metric
        self.every_n_epochs = every_n_epochs
        self.batch_size = batch_size
        self.name = name or f"val_{metric}"
        self.verbose = verbose
        self.hypotheses = []

    def evaluate(self):
        """Decodes every source and returns the score."""
        batches = [
            self.sources[start : start + self.batch_size]
            for start in range(0, len(self.sources), self.batch_size)
        ]
        self.hypotheses = []
        for batch in progress(batches, verbose=self.verbose, unit="batch"):
            decoded = list(self.generate(batch))
            if len(decoded) != len(batch):
                raise ValueError(
                    f"`generate` returned {len(decoded)} texts for a batch of "
                    f"{len(batch)} sources; it must return one per source."
                )
            self.hypotheses.extend(decoded)
        return score(self.metric, self.hypotheses, self.references)

    def on_epoch_end(self, epoch, logs=None):
        if epoch and (epoch + 1) % self.every_n_epochs:
            return
        value = self.evaluate()
        if logs is not None:
            logs[self.name] = value
