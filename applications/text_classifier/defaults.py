"""The text classifier's choices and defaults, in a module without Keras:
the command line's `--help` shows them before Keras is loaded."""

ATTENTIONS = ("bahdanau", "luong", "cosine", "multi_head")
VOCABULARY_SIZE = 20_000
SEQUENCE_LENGTH = 256
