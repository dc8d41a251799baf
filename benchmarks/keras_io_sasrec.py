"""The Keras reference recommender: the keras.io example "Sequential
retrieval using SASRec" (KerasRS and KerasHub), rebuilt with its
architecture and hyper-parameters for `recommendation_accuracy.py`.

As the example: item embeddings `keras_hub.layers.ReversibleEmbedding`
(50 dimensions, Glorot-uniform, an L2 0.001 regularizer that the
example's `compute_loss` never adds), learned positions
(`keras_hub.layers.PositionEmbedding`, 200), embedding dropout 0.2, two
`keras_hub.layers.TransformerDecoder` blocks without cross-attention
(1 head, feed-forward 50, dropout 0.2, pre-norm), a final layer
normalization (epsilon 1e-8), dot-product scores against the item
embeddings (its `BruteForceRetrieval`), binary cross-entropy of the next
item against one uniformly drawn unseen item at every position (drawn
once, before training, as the example draws them), Adam (learning rate
0.001, beta_2 0.98), batches of 128.

Where we differ, so that it is trained and scored on our split and
windows: the histories are ours (the training items, most recent last,
left-padded windows of 200), and scores are read at the last position.
The example pads on the right, keeps the oldest 200 items of a longer
history, and reads its scores at a position counted from the padding
(`_get_last_non_padding_token` negates the mask), which for a full window
is the first item; we did not copy those two faults.
"""

import keras
import keras_hub
import numpy as np
from keras import ops

from applications.recommender.examples import sequence_windows

HIDDEN_DIM = 50
NUM_LAYERS = 2
NUM_HEADS = 1
DROPOUT = 0.2
LEARNING_RATE = 0.001
BATCH_SIZE = 128


class KerasIoSasRec(keras.Model):
    """The example's `SasRec`, reading the last position."""

    def __init__(self, item_count, sequence_length, **kwargs):
        super().__init__(**kwargs)
        self.item_embedding = keras_hub.layers.ReversibleEmbedding(
            input_dim=item_count + 1,
            output_dim=HIDDEN_DIM,
            embeddings_initializer="glorot_uniform",
            embeddings_regularizer=keras.regularizers.l2(0.001),
            dtype="float32",
        )
        self.position_embedding = keras_hub.layers.PositionEmbedding(
            initializer="glorot_uniform", sequence_length=sequence_length
        )
        self.embeddings_add = keras.layers.Add()
        self.embeddings_dropout = keras.layers.Dropout(DROPOUT)
        self.blocks = [
            keras_hub.layers.TransformerDecoder(
                intermediate_dim=HIDDEN_DIM,
                num_heads=NUM_HEADS,
                dropout=DROPOUT,
                layer_norm_epsilon=1e-05,
                activation="relu",
                kernel_initializer="glorot_uniform",
                normalize_first=True,
            )
            for _ in range(NUM_LAYERS)
        ]
        self.final_norm = keras.layers.LayerNormalization(epsilon=1e-8)
        self.loss_fn = keras.losses.BinaryCrossentropy(
            from_logits=True, reduction=None
        )

    def encode(self, history, training=False):
        mask = ops.not_equal(history, 0)
        x = self.item_embedding(history)
        x = self.embeddings_add([x, self.position_embedding(x)])
        x = self.embeddings_dropout(x, training=training)
        for block in self.blocks:
            x = block(x, decoder_padding_mask=mask, training=training)
        return self.final_norm(x)

    def call(self, x, training=False):
        return self.encode(x["history"], training=training)

    def compute_loss(self, x, y, y_pred, sample_weight=None, training=True):
        table = self.item_embedding.embeddings
        positive = ops.sum(ops.take(table, y, axis=0) * y_pred, -1)
        negative = ops.sum(ops.take(table, x["negatives"], axis=0) * y_pred, -1)
        logits = ops.stack([positive, negative], -1)
        labels = ops.stack(
            [ops.ones_like(positive), ops.zeros_like(negative)], -1
        )
        weight = ops.cast(ops.not_equal(y, 0), "float32")
        losses = ops.mean(
            self.loss_fn(labels[..., None], logits[..., None]), -1
        )
        # No `self.losses`: the example's `compute_loss` leaves them out,
        # so its L2 regularizer of the item embeddings never acts.
        return ops.divide_no_nan(ops.sum(losses * weight), ops.sum(weight))

    def score_items(self, x, batch_size=64):
        """`(n, item_count + 1)` scores at the last position (our
        evaluation's interface)."""
        x = self.preprocessor(x)
        table = ops.convert_to_numpy(self.item_embedding.embeddings)
        rows = []
        for start in range(0, len(x["history"]), batch_size):
            features = self.encode(x["history"][start : start + batch_size])
            last = ops.convert_to_numpy(features[:, -1])
            scores = last @ table.T
            scores[:, 0] = -1e9
            rows.append(scores.astype("float32"))
        return np.concatenate(rows)


def build(preprocessor):
    model = KerasIoSasRec(preprocessor.item_count, preprocessor.sequence_length)
    model.preprocessor = preprocessor
    model.compile(
        optimizer=keras.optimizers.Adam(
            learning_rate=LEARNING_RATE, beta_2=0.98
        )
    )
    return model


def training_arrays(model, splits, seed):
    """Our windows, and one unseen negative per position (drawn once)."""
    preprocessor = model.preprocessor
    histories = [preprocessor.item_indices(h) for h in splits.train]
    histories = [h[h > 0] for h in histories]
    users = preprocessor.user_indices(splits.users)
    history, user, targets = sequence_windows(
        histories, users, preprocessor.sequence_length
    )
    rng = np.random.default_rng(seed)
    negatives = rng.integers(1, preprocessor.item_count + 1, targets.shape)
    seen = [set(h.tolist()) for h in histories]
    for row, owner in enumerate(user):
        redraw = [
            j
            for j, item in enumerate(negatives[row])
            if item in seen[owner - 1]
        ]
        while redraw:
            negatives[row, redraw] = rng.integers(
                1, preprocessor.item_count + 1, len(redraw)
            )
            redraw = [j for j in redraw if negatives[row, j] in seen[owner - 1]]
    negatives = np.where(targets > 0, negatives, 0).astype("int32")
    return {"history": history, "negatives": negatives}, targets
