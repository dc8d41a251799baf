"""`Exporter`: what an application's exported files compute, and how
the export command checks them against the Keras model.

An application's `export.py` subclasses it (TensorFlow graph code: the
export command runs it on the TensorFlow backend only). The formats
share one contract: `graph(format)` is the function written (raw inputs
in for a SavedModel, ids or pixels in for LiteRT and ONNX), `feed`
makes its inputs of one example, `expected` is what the Keras model
returns for the same examples, `check` compares.
"""

import re

import numpy as np

from attention_zoo.export import compare

FLOAT32_TOLERANCE = 1e-4  # largest difference of a float32 output
# The headings of `USAGE.md`'s sections, by format.
_USAGE_SECTIONS = {"litert": "LiteRT", "onnx": "ONNX Runtime"}


class Exporter:
    """The exported function of `model`; subclasses fill in the graph."""

    file_names = {
        "tf_saved_model": "saved_model",
        "litert": "model.tflite",
        "onnx": "model.onnx",
    }

    # `(format, quantize)`: why the application does not offer it.
    refused = {}

    def __init__(self, model):
        self.model = model

    def file_name(self, format):
        return self.file_names[format]

    def examples(self, test):
        """`(inputs, references)` of the held-out data `test`: lists of
        raw inputs and of what the model should output for them."""
        inputs, references = test
        return list(inputs), list(references)

    def graph(self, format):
        """The `attention_zoo.export.Graph` written for `format`."""
        raise NotImplementedError

    def feed(self, example, format):
        """The graph's inputs (batch of 1) of one raw example."""
        raise NotImplementedError

    def expected(self, examples, format):
        """What the Keras model returns for `examples`, as the graph's
        outputs (a dict of arrays, one row per example)."""
        raise NotImplementedError

    def check(self, expected, actual, format, quantize, references):
        """`(figures, problems)`: float32 files must give float outputs
        within `FLOAT32_TOLERANCE` and every other output identical;
        quantized ones pass `check_quantized`."""
        figures = compare(expected, actual)
        if quantize != "none":
            more, problems = self.check_quantized(expected, actual, references)
            return {**figures, **more}, problems
        problems = []
        for name, figure in figures.items():
            difference = figure.get("max_abs_difference", 0.0)
            if difference > FLOAT32_TOLERANCE:
                problems.append(
                    f"output {name!r} differs from Keras by {difference:.3g} "
                    f"(at most {FLOAT32_TOLERANCE:g} allowed)"
                )
            if figure.get("identical", 1.0) < 1.0:
                problems.append(
                    f"output {name!r} differs from Keras's on "
                    f"{1 - figure['identical']:.1%} of the examples"
                )
        return figures, problems

    def check_quantized(self, expected, actual, references):
        """`(figures, problems)` of a quantized file."""
        raise NotImplementedError

    def write_assets(self, directory, format):
        """Writes what a user needs beside the file (a vocabulary);
        returns the names written."""
        return []

    def usage(self):
        """`USAGE.md`: how to run the LiteRT and ONNX files without
        Keras; its Python has a `# LiteRT` and a `# ONNX Runtime`
        section, each ending in a `print`."""
        return None

    def write_usage(self, directory, formats):
        """Writes `USAGE.md` for the LiteRT and ONNX files among
        `formats`, without the section of a file not written."""
        written = [f for f in formats if f in _USAGE_SECTIONS]
        if not written or self.usage() is None:
            return
        text = self.usage()
        for format, heading in _USAGE_SECTIONS.items():
            if format not in written:
                text = re.sub(
                    rf"\n\n# {heading}.*?(?=\n\n# |\n```)", "", text, flags=re.S
                )
        write_text(directory, "USAGE.md", text)


def write_text(directory, name, text):
    (directory / name).write_text(text, encoding="utf-8")
    return name


def as_bytes(strings):
    """A numpy array of UTF-8 bytes, as TensorFlow returns strings."""
    return np.array([s.encode("utf-8") for s in strings], dtype=object)
