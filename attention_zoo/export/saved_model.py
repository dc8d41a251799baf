"""SavedModel: written by `keras.export.ExportArchive`, run by
`tf.saved_model.load`."""

import numpy as np

ENDPOINT = "serve"


def write(model, graph, path, quantize="none", representative=None):
    """Writes `graph` as the `serve` endpoint (and default signature) of
    a SavedModel at `path`, with `model`'s variables and the graph's
    resources."""
    import keras

    del quantize, representative  # a SavedModel is float32 only
    archive = keras.export.ExportArchive()
    archive.track(model)
    for resource in graph.resources:
        archive.track(resource)
    archive.add_endpoint(
        ENDPOINT, graph.tf_function(), input_signature=graph.signature()
    )
    archive.write_out(str(path), verbose=False)


class Runtime:
    """The SavedModel at `path` loaded by TensorFlow; `run(feed)` calls
    `serve` with a dict of named numpy arrays."""

    def __init__(self, path, graph):
        import tensorflow as tf

        self._tf = tf
        self._loaded = tf.saved_model.load(str(path))  # owns the variables
        self._serve = getattr(self._loaded, ENDPOINT)
        self._names = list(graph.inputs)

    def run(self, feed):
        outputs = self._serve(
            *[self._tf.constant(feed[n]) for n in self._names]
        )
        return {name: np.asarray(value) for name, value in outputs.items()}
