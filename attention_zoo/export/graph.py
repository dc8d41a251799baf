"""`Graph`: the function an export holds, with its input signature."""

from dataclasses import dataclass
from dataclasses import field

import keras


def require_tensorflow(what="export"):
    """Raises unless Keras runs on TensorFlow (export writes TF graphs)."""
    if keras.backend.backend() != "tensorflow":
        raise RuntimeError(
            f"{what} needs KERAS_BACKEND=tensorflow (the model is loaded "
            f"again under TensorFlow to be exported); now "
            f"{keras.backend.backend()}."
        )


@dataclass
class Graph:
    """`function(**inputs)` returns a dict of named output tensors.

    Attributes:
        function: TensorFlow-traceable (Keras ops on the TensorFlow
            backend, `tf.*`).
        inputs: `{name: (shape, dtype)}`, `None` for a free dimension.
        resources: trackable objects the function uses besides the
            model's variables (a tokenizer's lookup table or model), saved
            with a SavedModel.
    """

    function: object
    inputs: dict
    resources: list = field(default_factory=list)

    def signature(self):
        """The inputs as named `tf.TensorSpec`s, in order."""
        import tensorflow as tf

        return [
            tf.TensorSpec(shape, dtype, name=name)
            for name, (shape, dtype) in self.inputs.items()
        ]

    def tf_function(self):
        """A `tf.function` of positional inputs in `inputs`' order."""
        import tensorflow as tf

        names = list(self.inputs)

        def function(*args):
            return self.function(**dict(zip(names, args)))

        return tf.function(function, input_signature=self.signature())
