"""What the text classifier's exports compute (TensorFlow backend).

- SavedModel `serve`: `text` (strings) in; `label` and `probabilities`
  out. The words are found in the graph as `preprocessor.standardize`
  finds them in Python (lowercase, `<br />`, apostrophes dropped, other
  non-letters and non-digits as spaces, split on spaces) and looked up
  in a table of the vocabulary.
- LiteRT and ONNX: `token_ids` `(batch, sequence_length)` int32 in,
  `probabilities` out; `vocabulary.txt` and `labels.txt` beside them and
  `USAGE.md` with the lines of Python that make the ids.
"""

import numpy as np

from applications._classifier_export import ClassifierExporter
from applications._exporter import write_text

# `preprocessor.standardize` in RE2 syntax (TensorFlow's regexes):
# Python's `\w` is `[\p{L}\p{N}_]`.
_LINE_BREAK = r"<br\s*/?>"
_APOSTROPHE = "['\u2019`]"
_NOT_WORD = r"[^\p{L}\p{N}]"


class TextClassifierExporter(ClassifierExporter):
    @property
    def sequence_length(self):
        return self.model.preprocessor.sequence_length

    def graph(self, format):
        from attention_zoo.export import Graph

        if format == "tf_saved_model":
            table = self._vocabulary_table()
            return Graph(
                lambda text: self.serving_outputs(
                    self.model(self._token_ids(text, table), training=False)
                ),
                {"text": ((None,), "string")},
                resources=[table],
            )
        return Graph(
            lambda token_ids: {
                "probabilities": self.model(token_ids, training=False)
            },
            {"token_ids": ((None, self.sequence_length), "int32")},
        )

    def _vocabulary_table(self):
        import tensorflow as tf

        vocabulary = self.model.preprocessor.vocabulary
        return tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(
                tf.constant(vocabulary),
                tf.range(2, len(vocabulary) + 2, dtype=tf.int32),
            ),
            default_value=1,  # out of the vocabulary
        )

    def _token_ids(self, text, table):
        import tensorflow as tf

        text = tf.strings.lower(text, encoding="utf-8")
        text = tf.strings.regex_replace(text, _LINE_BREAK, " ")
        text = tf.strings.regex_replace(text, _APOSTROPHE, "")
        text = tf.strings.regex_replace(text, _NOT_WORD, " ")
        words = tf.strings.split(text)[:, : self.sequence_length]
        ids = tf.ragged.map_flat_values(table.lookup, words)
        return ids.to_tensor(0, shape=[None, self.sequence_length])

    def feed(self, example, format):
        if format == "tf_saved_model":
            return {"text": np.array([example.encode("utf-8")], dtype=object)}
        return {"token_ids": self.model.preprocessor([example])}

    def more_assets(self, directory):
        words = ["", "[UNK]", *self.model.preprocessor.vocabulary]
        return [
            write_text(
                directory, "vocabulary.txt", "".join(f"{w}\n" for w in words)
            )
        ]

    def usage(self):
        return USAGE.format(length=self.sequence_length)


USAGE = """# Using the .tflite and .onnx files without Keras

Each takes `token_ids`, int32 of shape `(batch, {length})`, and return
`probabilities` `(batch, classes)`; class `i` is line `i` of `labels.txt`.
Token id `i` is line `i` of `vocabulary.txt` (0: padding, 1: a word not
in the vocabulary). A text becomes ids as the model was trained:

```python
import re
import numpy as np

words = open("vocabulary.txt", encoding="utf-8").read().split("\\n")[:-1]
index = {{word: i for i, word in enumerate(words) if i >= 2}}
labels = open("labels.txt", encoding="utf-8").read().split("\\n")[:-1]

def token_ids(text, length={length}):
    text = re.sub(r"<br\\s*/?>", " ", text.lower(), flags=re.IGNORECASE)
    text = re.sub(r"['\\u2019`]", "", text)
    words = re.sub(r"[^\\w\\s]|_", " ", text).split()[:length]
    ids = np.zeros((1, length), dtype="int32")
    ids[0, : len(words)] = [index.get(word, 1) for word in words]
    return ids

# LiteRT (pip install ai-edge-litert)
from ai_edge_litert.interpreter import Interpreter
run = Interpreter(model_path="model.tflite").get_signature_runner()
probabilities = run(token_ids=token_ids("A wonderful film."))["probabilities"]
print(labels[int(probabilities[0].argmax())])

# ONNX Runtime (pip install onnxruntime)
import onnxruntime
session = onnxruntime.InferenceSession("model.onnx")
ids = token_ids("A wonderful film.")
probabilities, = session.run(None, {{"token_ids": ids}})
print(labels[int(probabilities[0].argmax())])
```
"""
