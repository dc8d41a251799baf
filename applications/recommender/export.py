"""What the recommender's exports compute (TensorFlow backend): a
history in, the `TOP_K` best items the user has not seen out, with their
scores, best first, as `predict` gives them.

- SavedModel `serve`: `history` `(batch, sequence_length)` item id
  strings (left-padded with `""`, most recent last; an id the model does
  not know reads as padding where it stands, where `predict` drops it),
  `user` `(batch,)` user id strings (`""`: unknown; only `mf` reads it)
  and `exclude` `(batch, n)` the ids to leave out (the whole history,
  which may be longer than the window read); out `items` (id strings)
  and `scores`. The ids are looked up in tables of the model's items and
  users.
- LiteRT and ONNX: the same with int32 indices (`history` as
  `preprocessor` makes it, `user` 0 for unknown) and `exclude` a float32
  `(batch, items + 1)` mask (1 at the indices to leave out), and `items`
  as indices out; `items.tsv` (index, item id, title) beside them and
  `USAGE.md`.

Every graph also leaves out the items of `history` and the padding.

The check: the float32 files must give Keras's best item for every
example, scores within the tolerance, and report how much of the top
`TOP_K` agrees (items of equal score may swap places).
"""

import numpy as np

from applications._exporter import Exporter
from applications._exporter import as_bytes
from applications._exporter import write_text
from applications.recommender.defaults import TOP_K

# A quantized file's top items must overlap the float model's this much.
QUANTIZED_OVERLAP = 0.8


class RecommenderExporter(Exporter):
    @property
    def sequence_length(self):
        return self.model.preprocessor.sequence_length

    def examples(self, test):
        """`(histories, users)` pairs of a `data.HeldOut`, and its
        held-out items."""
        return list(zip(test.histories, test.users)), list(test.targets)

    # Graphs ------------------------------------------------------------------

    def _seen(self, indices):
        """`(batch, items + 1)` float32, 1 at each row's `indices`."""
        from keras import ops

        width = self.model.item_count + 1
        return ops.max(ops.one_hot(indices, width, dtype="float32"), axis=1)

    def _top_items(self, history, user, exclude):
        """`(indices, scores)` `(batch, TOP_K)` of indices `history` and
        `user`, the items of `exclude` (a mask), of `history` and the
        padding left out."""
        from keras import ops

        scores = self.model({"history": history, "user": user}, training=False)
        seen = ops.maximum(self._seen(history), exclude)
        scores = ops.where(seen > 0, -2e9, scores)
        scores, indices = ops.top_k(scores, TOP_K)
        return ops.cast(indices, "int32"), scores

    def graph(self, format):
        from attention_zoo.export import Graph

        length = self.sequence_length
        if format == "tf_saved_model":
            items, users = self._tables()

            def serve(history, user, exclude):
                import tensorflow as tf

                indices, scores = self._top_items(
                    items.lookup(history),
                    users.lookup(user),
                    self._seen(items.lookup(exclude)),
                )
                ids = tf.constant(["", *self.model.preprocessor.items])
                return {"items": tf.gather(ids, indices), "scores": scores}

            return Graph(
                serve,
                {
                    "history": ((None, length), "string"),
                    "user": ((None,), "string"),
                    "exclude": ((None, None), "string"),
                },
                resources=[items, users],
            )

        def top(history, user, exclude):
            indices, scores = self._top_items(history, user, exclude)
            return {"items": indices, "scores": scores}

        width = self.model.item_count + 1
        return Graph(
            top,
            {
                "history": ((None, length), "int32"),
                "user": ((None,), "int32"),
                "exclude": ((None, width), "float32"),
            },
        )

    def _tables(self):
        import tensorflow as tf

        def table(keys):
            if not keys:
                keys = ["\0"]  # a table needs a key; no id is this
            return tf.lookup.StaticHashTable(
                tf.lookup.KeyValueTensorInitializer(
                    tf.constant(keys), tf.range(1, len(keys) + 1)
                ),
                default_value=0,
            )

        preprocessor = self.model.preprocessor
        return table(preprocessor.items), table(preprocessor.users)

    # Examples ----------------------------------------------------------------

    def _indices(self, examples):
        histories = [history for history, _ in examples]
        users = [user for _, user in examples]
        return self.model.preprocessor({"history": histories, "user": users})

    def feed(self, example, format):
        encoded = self._indices([example])
        preprocessor = self.model.preprocessor
        if format != "tf_saved_model":
            exclude = np.zeros((1, self.model.item_count + 1), "float32")
            exclude[0, preprocessor.item_indices(example[0])] = 1.0
            return {**encoded, "exclude": exclude}
        history = preprocessor.item_ids(encoded["history"][0])
        return {
            "history": np.array([[i.encode() for i in history]], dtype=object),
            "user": np.array([example[1].encode()], dtype=object),
            "exclude": np.array([[i.encode() for i in example[0]]], object),
        }

    def expected(self, examples, format):
        encoded = self._indices(examples)
        scores = self.model.score_items(encoded)
        scores[:, 0] = -2e9  # padding
        for row, (history, _) in enumerate(examples):
            scores[row, self.model.preprocessor.item_indices(history)] = -2e9
        indices = np.argsort(-scores, axis=1, kind="stable")[:, :TOP_K]
        outputs = {
            "items": indices.astype("int32"),
            "scores": np.take_along_axis(scores, indices, axis=1),
        }
        if format == "tf_saved_model":
            ids = np.array(["", *self.model.preprocessor.items])
            outputs["items"] = np.stack([as_bytes(ids[row]) for row in indices])
        return outputs

    def check(self, expected, actual, format, quantize, references):
        """Float32: the same best item everywhere, sorted scores within
        the tolerance; the top-`TOP_K` overlap reported."""
        from attention_zoo.export import compare

        want, got = expected["items"], actual["items"]
        overlap = float(
            np.mean([len(set(a) & set(b)) / TOP_K for a, b in zip(want, got)])
        )
        best = float(np.mean(want[:, 0] == got[:, 0]))
        figures = {
            **compare({"scores": expected["scores"]}, actual),
            "best_item_identical": best,
            f"top_{TOP_K}_overlap": overlap,
        }
        if quantize != "none":
            problems = []
            if overlap < QUANTIZED_OVERLAP:
                problems.append(
                    f"the quantized file's top {TOP_K} items overlap the "
                    f"float model's by {overlap:.0%} (at least "
                    f"{QUANTIZED_OVERLAP:.0%} required)"
                )
            return figures, problems
        problems = []
        difference = figures["scores"]["max_abs_difference"]
        if difference > 1e-3:
            problems.append(
                f"scores differ from Keras by {difference:.3g} (at most "
                "1e-3 allowed)"
            )
        if best < 1.0:
            problems.append(
                f"the best item differs from Keras's on {1 - best:.1%} of "
                "the examples"
            )
        return figures, problems

    def write_assets(self, directory, format):
        if format == "tf_saved_model":
            return []  # the ids are inside
        preprocessor = self.model.preprocessor
        lines = ["index\titem\ttitle"]
        for index, item in enumerate(preprocessor.items, start=1):
            title = (preprocessor.title(index) or "").replace("\t", " ")
            lines.append(f"{index}\t{item}\t{title}")
        return [write_text(directory, "items.tsv", "\n".join(lines) + "\n")]

    def usage(self):
        return USAGE.format(length=self.sequence_length, k=TOP_K)


USAGE = """# Using the .tflite and .onnx files without Keras

Each takes `history`, int32 `(batch, {length})`: the indices of a user's
items, oldest first, left-padded with 0, the most recent {length} kept;
`user`, int32 `(batch,)` (0 for a user the model did not train on; only
`mf` reads it); and `exclude`, float32 `(batch, items + 1)`, 1 at the
indices to leave out (the user's whole history). They return `items`
`(batch, {k})`, the indices of the best items left, best first, and
their `scores`. `items.tsv` names index `i` (an item id and a title).

```python
import numpy as np

rows = open("items.tsv", encoding="utf-8").read().split("\\n")[1:-1]
items = [row.split("\\t")[1] for row in rows]
titles = [row.split("\\t")[2] for row in rows]
index = {{item: i for i, item in enumerate(items, start=1)}}

def history(ids, length={length}):
    known = [index[i] for i in ids if i in index][-length:]
    array = np.zeros((1, length), dtype="int32")
    if known:
        array[0, -len(known):] = known
    return array

def exclude(ids):
    mask = np.zeros((1, len(items) + 1), dtype="float32")
    mask[0, [index[i] for i in ids if i in index]] = 1.0
    return mask

watched = ["1", "50", "260", "1196"]
user = np.zeros((1,), dtype="int32")
feed = {{
    "history": history(watched), "user": user, "exclude": exclude(watched)
}}

# LiteRT (pip install ai-edge-litert)
from ai_edge_litert.interpreter import Interpreter
run = Interpreter(model_path="model.tflite").get_signature_runner()
best = run(**feed)["items"][0]
print([titles[i - 1] for i in best])

# ONNX Runtime (pip install onnxruntime)
import onnxruntime
session = onnxruntime.InferenceSession("model.onnx")
names = [output.name for output in session.get_outputs()]
outputs = session.run(None, feed)
best = dict(zip(names, outputs))["items"][0]
print([titles[i - 1] for i in best])
```
"""
