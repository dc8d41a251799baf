"""What the summarizer's exports compute: greedy decoding inside the
graph (`applications._seq2seq.export`) that never repeats
`NO_REPEAT_NGRAM` pieces, as `predict` decodes by default; the
SavedModel's output named `summary`; a quantized file must keep ROUGE-L
within a point."""

from applications._seq2seq.export import Seq2SeqExporter
from applications.summarizer.defaults import NO_REPEAT_NGRAM


class SummarizerExporter(Seq2SeqExporter):
    output_name = "summary"
    no_repeat_ngram = NO_REPEAT_NGRAM
    example = "#Person1#: Where are you going?\n#Person2#: To the bank."
    score_name = "ROUGE-L"

    def examples(self, test):
        return list(test.sources), list(test.references)

    def score(self, texts, references):
        from attention_zoo.metrics import rouge

        return 100 * rouge(texts, references, ("rougeL",))["rougeL"]
