"""What the translator's exports compute: greedy decoding inside the
graph (`applications._seq2seq.export`), the SavedModel's output named
`translation`; a quantized file must keep BLEU within a point."""

from applications._seq2seq.export import Seq2SeqExporter


class TranslatorExporter(Seq2SeqExporter):
    output_name = "translation"
    example = "I love you."
    score_name = "BLEU"

    def score(self, texts, references):
        from attention_zoo.metrics import corpus_bleu

        return corpus_bleu(texts, references)
