"""attention-zoo: attention layers and models for Keras 3.

Runs unchanged on TensorFlow, JAX and PyTorch (`KERAS_BACKEND`).

`import attention_zoo` imports every sub-package, so that every layer,
loss and metric is registered and `.keras` files holding them load
without `custom_objects`.
"""

from attention_zoo import callbacks
from attention_zoo import layers
from attention_zoo import metrics
from attention_zoo import ops
from attention_zoo import recipes
from attention_zoo import visualize

__version__ = "0.1.0"

__all__ = ["callbacks", "layers", "metrics", "ops", "recipes", "visualize"]
