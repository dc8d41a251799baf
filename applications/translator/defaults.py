"""The translator's choices and defaults, in a module without Keras: the
command line's `--help` shows them before Keras is loaded."""

DATA_FORMATS = (
    "'spa-eng', a .txt/.zip of source<TAB>target lines, a .tsv with "
    "source and target columns, or a file of source sentences (with a "
    "line-aligned target file)"
)
VALIDATION_FRACTION = 0.15  # with test 0.15: the keras.io example's 70/15/15
ATTENTIONS = ("multi_head", "cosine", "bahdanau", "luong")
DECODINGS = ("greedy", "beam", "top_k", "top_p")
VOCABULARY_SIZE = 8_000  # SentencePiece pieces shared by both languages
# Token lengths: the longest of 99% of the training pairs, within bounds.
LENGTH_QUANTILE = 0.99
MIN_LENGTH, MAX_LENGTH = 8, 128
BEAM_WIDTH = 4
LENGTH_PENALTY = 0.6  # GNMT's alpha (Wu et al. 2016)
VALIDATION_BLEU_EXAMPLES = 500  # decoded after every epoch
