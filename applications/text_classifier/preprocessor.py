"""`TextClassifierPreprocessor`: raw text to the token ids of the model."""

import re
from collections import Counter

import numpy as np
from keras import saving

PADDING, OOV = "", "[UNK]"  # token ids 0 and 1

_LINE_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_APOSTROPHE = re.compile(r"['\u2019`]")
_PUNCTUATION = re.compile(r"[^\w\s]|_")


def standardize(text):
    """Lowercase; `<br />` and punctuation become spaces, apostrophes go
    (`don't` -> `dont`), whitespace runs become one space.

    >>> standardize("Don't miss it!<br />A GREAT film.")
    'dont miss it a great film'
    """
    text = _LINE_BREAK.sub(" ", str(text).lower())
    text = _APOSTROPHE.sub("", text)
    return " ".join(_PUNCTUATION.sub(" ", text).split())


def split_words(text):
    """The words of `text`, as the model's vocabulary sees them."""
    return standardize(text).split()


def build_vocabulary(texts, max_size):
    """The `max_size` most frequent words of `texts`, most frequent first
    (ties in order of first appearance).

    >>> build_vocabulary(["a b b", "c b a"], 2)
    ['b', 'a']
    """
    counts = Counter()
    for text in texts:
        counts.update(split_words(text))
    return [word for word, _ in counts.most_common(max_size)]


def _is_text(x):
    if isinstance(x, (str, bytes)):
        return True
    if isinstance(x, np.ndarray):
        return x.dtype.kind in "OUS"
    return (
        isinstance(x, (list, tuple))
        and bool(x)
        and isinstance(x[0], (str, bytes))
    )


@saving.register_keras_serializable(package="applications")
class TextClassifierPreprocessor:
    """Maps raw texts to token ids `(n, sequence_length)` int32.

    Id 0 is padding, 1 an out-of-vocabulary word, `2 + i` the word
    `vocabulary[i]`. Tokenization is plain Python (`standardize`,
    whitespace split, dictionary look-up: the conventions of
    `keras.layers.TextVectorization`), so a saved model gives the same
    ids, and the same predictions, on every backend, and the model graph
    takes only integer ids (exportable to TFLite without Flex string
    ops). We do not use `TextVectorization` or KerasHub's
    `WordPieceTokenizer` here on purpose: both are TensorFlow string ops,
    so a model holding them predicts only on the TensorFlow backend, and
    applying them outside the model would need TensorFlow at prediction
    time on JAX and PyTorch too. The vocabulary is part of the config, so
    it is saved in the task's `.keras` file.

    Args:
        vocabulary: the words, most frequent first, without the padding
            and out-of-vocabulary tokens.
        sequence_length: tokens kept from the start of each text.

    Example:

    >>> preprocessor = TextClassifierPreprocessor(["good", "film"], 4)
    >>> preprocessor(["A good film, good!"]).tolist()
    [[1, 2, 3, 2]]
    """

    def __init__(self, vocabulary, sequence_length=256):
        vocabulary = [str(word) for word in vocabulary]
        reserved = {PADDING, OOV}.intersection(vocabulary)
        if reserved:
            raise ValueError(
                "`vocabulary` must not hold the padding ('') or "
                f"out-of-vocabulary ('[UNK]') token; received {reserved}."
            )
        self.vocabulary = vocabulary
        self.sequence_length = int(sequence_length)
        self._index = {word: i for i, word in enumerate(vocabulary, start=2)}

    @property
    def vocabulary_size(self):
        """Token ids, padding and out-of-vocabulary included."""
        return len(self.vocabulary) + 2

    def words(self, text):
        """The words of `text` at its token positions."""
        return split_words(text)[: self.sequence_length]

    def __call__(self, x):
        """Token ids of raw texts; anything else (ids, a data set) is
        returned unchanged."""
        if not _is_text(x):
            return x
        if isinstance(x, (str, bytes)):
            x = [x]
        ids = np.zeros((len(x), self.sequence_length), dtype="int32")
        for row, text in enumerate(x):
            if isinstance(text, bytes):
                text = text.decode("utf-8")
            tokens = [self._index.get(word, 1) for word in self.words(text)]
            ids[row, : len(tokens)] = tokens
        return ids

    def get_config(self):
        return {
            "vocabulary": list(self.vocabulary),
            "sequence_length": self.sequence_length,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)
