"""What the image classifier's exports compute (TensorFlow backend).

Every format takes `images`, uint8 `(batch, height, width, channels)` of
the model's image shape (pixels as image files hold them; the model
normalizes them itself), and returns `probabilities`; a SavedModel also
returns the `label`. `labels.txt` and `USAGE.md` go beside the LiteRT
and ONNX files.
"""

import numpy as np

from applications._classifier_export import ClassifierExporter


class ImageClassifierExporter(ClassifierExporter):
    def graph(self, format):
        from attention_zoo.export import Graph

        def classify(images):
            probabilities = self.model(
                self.model_inputs_in_graph(images), training=False
            )
            if format == "tf_saved_model":
                return self.serving_outputs(probabilities)
            return {"probabilities": probabilities}

        return Graph(
            classify, {"images": ((None, *self.model.image_shape), "uint8")}
        )

    @staticmethod
    def model_inputs_in_graph(images):
        import keras

        return keras.ops.cast(images, "float32")

    def model_inputs(self, examples):
        return np.stack(examples).astype("uint8")

    def feed(self, example, format):
        return {"images": np.asarray(example, dtype="uint8")[None]}

    def usage(self):
        height, width, channels = self.model.image_shape
        return USAGE.format(height=height, width=width, channels=channels)


USAGE = """# Using the .tflite and .onnx files without Keras

Each takes `images`, uint8 of shape `(batch, {height}, {width}, {channels})`:
pixels 0-255 as image files hold them, resized to {height}x{width} (the model
normalizes them). They return `probabilities` `(batch, classes)`; class
`i` is line `i` of `labels.txt`.

```python
import numpy as np
from PIL import Image

labels = open("labels.txt", encoding="utf-8").read().split("\\n")[:-1]
mode = {{1: "L", 3: "RGB", 4: "RGBA"}}[{channels}]
image = Image.open("picture.png").convert(mode).resize(({width}, {height}))
images = np.asarray(image, dtype="uint8")
images = images.reshape(1, {height}, {width}, {channels})

# LiteRT (pip install ai-edge-litert)
from ai_edge_litert.interpreter import Interpreter
run = Interpreter(model_path="model.tflite").get_signature_runner()
probabilities = run(images=images)["probabilities"]
print(labels[int(probabilities[0].argmax())])

# ONNX Runtime (pip install onnxruntime)
import onnxruntime
session = onnxruntime.InferenceSession("model.onnx")
probabilities, = session.run(None, {{"images": images}})
print(labels[int(probabilities[0].argmax())])
```
"""
