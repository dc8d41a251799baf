"""Loads a `.keras` file and predicts, for the cross-backend test.

Usage: KERAS_BACKEND=... python -m tests.load_and_predict MODEL INPUTS OUT
where INPUTS is an `.npz` of the model's inputs by name.
"""

import sys

import keras
import numpy as np

import attention_zoo  # noqa: F401  (registers the layers)


def main(model_path, inputs_path, output_path):
    model = keras.saving.load_model(model_path)
    inputs = dict(np.load(inputs_path))
    outputs = model.predict(inputs, verbose=0)
    np.save(output_path, keras.ops.convert_to_numpy(outputs))


if __name__ == "__main__":
    main(*sys.argv[1:])
