import glob
import os

import keras
import numpy as np
import pytest
from matplotlib.image import imread

from attention_zoo import layers
from attention_zoo.callbacks import AttentionMapLogger
from tests.test_case import BACKEND


def classifier_and_explainer():
    tokens = keras.Input((6,), dtype="int32")
    x = keras.layers.Embedding(20, 8, mask_zero=True)(tokens)
    x, scores = layers.MultiHeadAttention(2, 4)(
        x, x, return_attention_scores=True
    )
    pooled = layers.AttentionPooling()(x)
    outputs = keras.layers.Dense(2, activation="softmax")(pooled)
    model = keras.Model(tokens, outputs)
    model.compile("adam", "sparse_categorical_crossentropy")
    return model, keras.Model(tokens, [outputs, scores])


@pytest.mark.parametrize("every", [1, 2])
def test_writes_png_heatmaps(every, tmp_path):
    model, explainer = classifier_and_explainer()
    data = np.array([[1, 2, 3, 0, 0, 0], [4, 5, 6, 7, 8, 0]] * 4)
    logger = AttentionMapLogger(
        explainer,
        data[:2],
        os.path.join(tmp_path, "maps"),
        every_n_epochs=every,
        tensorboard_dir=os.path.join(tmp_path, "tb"),
    )
    model.fit(
        data, np.array([0, 1] * 4), epochs=2, callbacks=[logger], verbose=0
    )
    written = sorted(glob.glob(os.path.join(tmp_path, "maps", "*", "*.png")))
    epochs = [1, 2] if every == 1 else [2]
    expected = [
        os.path.join(tmp_path, "maps", f"epoch_{e:03d}", f"example_{i}.png")
        for e in epochs
        for i in range(2)
    ]
    assert written == expected
    for path in written:
        image = imread(path)
        assert image.ndim == 3 and image.shape[0] > 50 and image.shape[1] > 50
        assert image.std() > 0  # not a blank picture
    if BACKEND == "tensorflow":
        import tensorflow as tf

        events = glob.glob(os.path.join(tmp_path, "tb", "events.*"))
        tags = set()
        for record in tf.data.TFRecordDataset(events):
            event = tf.compat.v1.Event.FromString(record.numpy())
            tags.update(value.tag for value in event.summary.value)
        assert "attention/example_0" in tags


def test_rejects_bad_frequency(tmp_path):
    with pytest.raises(ValueError, match="`every_n_epochs`"):
        AttentionMapLogger(None, None, tmp_path, every_n_epochs=0)
