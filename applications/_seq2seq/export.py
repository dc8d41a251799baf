"""What an encoder-decoder's exports compute (TensorFlow backend):
greedy decoding inside the graph (blocking repeated n-grams where the
application's decoding does), so that the runtime alone generates.
The translator and the summarizer subclass `Seq2SeqExporter`, naming
their output and how a quantized file's text is scored.

- SavedModel `serve`: `text` (strings) in, the generated text (strings,
  named `output_name`: `translation`, `summary`) out.
  The SentencePiece tokenizers (KerasHub's, TensorFlow Text ops) split
  and join inside the graph: load it with `import tensorflow_text`
  before `tf.saved_model.load`, which registers those ops.
- LiteRT: `source_ids` int32 `(1, source_length)` in, one sentence at a
  time (the recurrent encoder's loops lower to TFLite's built-in ops
  only at a fixed batch size); `target_ids` `(1, max_length + 1)` out:
  `START`, the generated pieces, `END`, then anything.
- ONNX: the same for any batch size.

The SentencePiece models go beside the LiteRT and ONNX files
(`source.model`, `target.model`), with `USAGE.md`: the `sentencepiece`
package makes the ids and reads the output.
"""

import numpy as np

from applications._exporter import Exporter
from applications._exporter import as_bytes
from applications._seq2seq.preprocessor import END
from applications._seq2seq.preprocessor import PAD
from applications._seq2seq.preprocessor import START
from applications._seq2seq.samplers import make_sampler

# A quantized file's score (0-100) may differ from float32's this much.
QUANTIZED_POINTS = 1.0


class Seq2SeqExporter(Exporter):
    """Greedy decoding of a `Seq2Seq` model in every format.

    Subclasses set `output_name` (the SavedModel's text output),
    `example` (the input `USAGE.md` runs), `score_name` and
    `no_repeat_ngram` (the n-grams the decoding never repeats, 0 for
    none: the application's default, so that the files write what
    `predict` writes), and define `score(texts, references)`, 0-100, by
    which a quantized file must stay within `QUANTIZED_POINTS` of
    float32.
    """

    output_name = "text"
    no_repeat_ngram = 0
    example = ""
    score_name = "score"
    refused = {
        ("litert", "int8"): "the TFLite converter crashes calibrating the "
        "decoding loop (tested with TensorFlow 2.21); use --quantize "
        "dynamic_int8 or float16",
    }

    @property
    def preprocessor(self):
        return self.model.preprocessor

    def _decode(self, source_ids):
        sampler = make_sampler("greedy", end_id=END, pad_id=PAD)
        return self.model.generate_step(
            source_ids,
            sampler,
            self.model.max_length,
            no_repeat_ngram=self.no_repeat_ngram,
        )

    def graph(self, format):
        from attention_zoo.export import Graph

        length = self.preprocessor.source_length
        if format == "tf_saved_model":
            tokenizers = [
                self.preprocessor.source_tokenizer,
                self.preprocessor.target_tokenizer,
            ]
            return Graph(
                lambda text: {
                    self.output_name: self._detokenize(
                        self._decode(self._source_ids(text))
                    )
                },
                {"text": ((None,), "string")},
                resources=[t._sentence_piece for t in tokenizers],
            )
        batch = 1 if format == "litert" else None
        return Graph(
            lambda source_ids: {"target_ids": self._decode(source_ids)},
            {"source_ids": ((batch, length), "int32")},
        )

    def _source_ids(self, text):
        """`Seq2SeqPreprocessor.encode_sources` in the graph."""
        import tensorflow as tf

        length = self.preprocessor.source_length
        pieces = self.preprocessor.source_tokenizer(text)[:, : length - 1]
        ends = tf.fill([tf.shape(text)[0], 1], END)
        ids = tf.concat([tf.cast(pieces, "int32"), ends], axis=1)
        return ids.to_tensor(PAD, shape=[None, length])

    def _detokenize(self, ids):
        """`Seq2SeqPreprocessor.detokenize` in the graph: the pieces up
        to the first `END`, joined."""
        import tensorflow as tf

        ids = ids[:, 1:]  # after START
        before_end = tf.cumsum(tf.cast(ids == END, "int32"), axis=1) == 0
        kept = before_end & (ids != PAD) & (ids != START)
        pieces = tf.ragged.boolean_mask(ids, kept)
        text = self.preprocessor.target_tokenizer.detokenize(pieces)
        return tf.reshape(text, [-1])

    def feed(self, example, format):
        if format == "tf_saved_model":
            return {"text": np.array([example.encode("utf-8")], dtype=object)}
        return {"source_ids": self.preprocessor.encode_sources([example])}

    def expected(self, examples, format):
        blocked = {"no_repeat_ngram": self.no_repeat_ngram}
        if format == "tf_saved_model":
            texts = self.model.generate(examples, **blocked)
            return {self.output_name: as_bytes(texts)}
        ids = self.model.generate_ids(self.preprocessor(examples), **blocked)
        start = np.full((len(ids), 1), START, dtype="int32")
        return {"target_ids": np.concatenate([start, ids], axis=1)}

    def score(self, texts, references):
        raise NotImplementedError

    def _texts(self, outputs):
        if self.output_name in outputs:
            return [t.decode("utf-8") for t in outputs[self.output_name]]
        return self.preprocessor.detokenize(outputs["target_ids"][:, 1:])

    def check(self, expected, actual, format, quantize, references):
        """Float32: the same texts, token for token (what follows
        `END` is not compared); quantized: `check_quantized`."""
        if quantize != "none":
            return self.check_quantized(expected, actual, references)
        if "target_ids" in expected:
            want = self.preprocessor.generated_pieces(expected["target_ids"])
            got = self.preprocessor.generated_pieces(actual["target_ids"])
            name = "target_ids"
        else:
            want, got = self._texts(expected), self._texts(actual)
            name = self.output_name
        identical = float(np.mean([w == g for w, g in zip(want, got)]))
        problems = []
        if identical < 1.0:
            problems.append(
                f"{name} differs from Keras's greedy decoding on "
                f"{1 - identical:.1%} of the examples"
            )
        return {name: {"identical": identical}}, problems

    def check_quantized(self, expected, actual, references):
        want, got = self._texts(expected), self._texts(actual)
        scores = {
            "keras_float32": self.score(want, references),
            "quantized": self.score(got, references),
        }
        figures = {
            self.score_name.lower(): scores,
            "identical": float(np.mean([w == g for w, g in zip(want, got)])),
        }
        problems = []
        difference = abs(scores["quantized"] - scores["keras_float32"])
        if difference > QUANTIZED_POINTS:
            problems.append(
                f"{self.score_name} {scores['quantized']:.2f} quantized "
                f"against {scores['keras_float32']:.2f} in float32 (at most "
                f"{QUANTIZED_POINTS:g} point apart allowed)"
            )
        return figures, problems

    def write_assets(self, directory, format):
        if format == "tf_saved_model":
            return []
        names = ["source.model"]
        (directory / "source.model").write_bytes(self.preprocessor.source_proto)
        target = (
            self.preprocessor.target_proto or self.preprocessor.source_proto
        )
        (directory / "target.model").write_bytes(target)
        names.append("target.model")
        return names

    def usage(self):
        return USAGE.format(
            length=self.preprocessor.source_length,
            length_minus=self.preprocessor.source_length - 1,
            max_length_plus=self.model.max_length + 1,
            end=END,
            output=self.output_name,
            example=self.example,
            blocking=(
                f", never repeating a run of {self.no_repeat_ngram} pieces"
                if self.no_repeat_ngram
                else ""
            ),
        )


USAGE = """# Using the .tflite and .onnx files without Keras

Each decodes greedily inside its graph{blocking}. Each takes `source_ids`, int32
`(batch, {length})` (`batch` is 1 for the `.tflite` file, any for the
`.onnx` file): each input's SentencePiece ids of `source.model`, cut
to {length_minus} pieces, then the end id {end}, then padding 0. They return
`target_ids` `(batch, {max_length_plus})`: the start id 2, the {output}'s
ids of `target.model`, the end id {end}, then anything. The example
below runs one input.

```python
import numpy as np
import sentencepiece  # pip install sentencepiece

source = sentencepiece.SentencePieceProcessor(model_file="source.model")
target = sentencepiece.SentencePieceProcessor(model_file="target.model")

def source_ids(text, length={length}):
    pieces = source.encode(text)[: length - 1] + [{end}]
    ids = np.zeros((1, length), dtype="int32")
    ids[0, : len(pieces)] = pieces
    return ids

def {output}(target_ids):
    pieces = list(target_ids[0, 1:])
    pieces = pieces[: pieces.index({end})] if {end} in pieces else pieces
    return target.decode([int(p) for p in pieces if p not in (0, 2)])

# LiteRT (pip install ai-edge-litert)
from ai_edge_litert.interpreter import Interpreter
run = Interpreter(model_path="model.tflite").get_signature_runner()
print({output}(run(source_ids=source_ids({example!r}))["target_ids"]))

# ONNX Runtime (pip install onnxruntime)
import onnxruntime
session = onnxruntime.InferenceSession("model.onnx")
ids, = session.run(None, {{"source_ids": source_ids({example!r})}})
print({output}(ids))
```
"""
