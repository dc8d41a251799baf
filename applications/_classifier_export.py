"""What the two classifiers' exports share: probabilities out (and the
label, for a SavedModel), the quantized files judged by how many labels
they keep."""

import numpy as np

from applications._exporter import Exporter
from applications._exporter import as_bytes
from applications._exporter import write_text

# A quantized file must give the float32 model's label to this share.
QUANTIZED_LABEL_AGREEMENT = 0.99


class ClassifierExporter(Exporter):
    """Subclasses give `graph` (with `serving_outputs` for a SavedModel),
    `feed`, `model_inputs` and `usage`."""

    def model_inputs(self, examples):
        """What `model.predict` takes of raw examples."""
        return examples

    def serving_outputs(self, probabilities):
        """A SavedModel's outputs: the probabilities and the label."""
        import tensorflow as tf

        labels = tf.constant(self.model.labels)
        best = tf.argmax(probabilities, axis=-1)
        return {
            "label": tf.gather(labels, best),
            "probabilities": probabilities,
        }

    def expected(self, examples, format):
        probabilities = self.model.predict(
            self.model_inputs(examples), batch_size=64, verbose=0
        )
        outputs = {"probabilities": probabilities}
        if format == "tf_saved_model":
            labels = [self.model.labels[i] for i in probabilities.argmax(-1)]
            outputs["label"] = as_bytes(labels)
        return outputs

    def check_quantized(self, expected, actual, references):
        want = expected["probabilities"].argmax(-1)
        got = actual["probabilities"].argmax(-1)
        agreement = float(np.mean(want == got))
        references = np.asarray(references)
        figures = {
            "label_agreement": agreement,
            "accuracy": {
                "keras_float32": float(np.mean(want == references)),
                "quantized": float(np.mean(got == references)),
            },
        }
        problems = []
        if agreement < QUANTIZED_LABEL_AGREEMENT:
            problems.append(
                f"the quantized file keeps {agreement:.1%} of the labels "
                f"(at least {QUANTIZED_LABEL_AGREEMENT:.0%} required)"
            )
        return figures, problems

    def write_assets(self, directory, format):
        if format == "tf_saved_model":
            return []  # labels are inside; raw inputs go in
        labels = write_text(
            directory,
            "labels.txt",
            "".join(f"{name}\n" for name in self.model.labels),
        )
        return [labels, *self.more_assets(directory)]

    def more_assets(self, directory):
        return []
