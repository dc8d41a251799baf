"""The summarizer's choices and defaults, in a module without Keras: the
command line's `--help` shows them before Keras is loaded."""

DATA_FORMATS = (
    "'dialogsum', a .zip of JSON Lines files (train/dev/test detected), a "
    ".jsonl (JSON or Python dict literals), or a .csv/.tsv with a header"
)
ATTENTIONS = ("multi_head", "cosine", "bahdanau", "luong", "pointer")
DECODINGS = ("greedy", "beam")
# Chosen on DialogSum's dev split (benchmarks/summarization_decoding.py):
# greedy decoding that never repeats 4 subwords beat greedy alone and
# every beam search tried (their summaries were 4-6 words shorter), and
# blocking trigrams cut the second "#Person1#" (3 subwords) of a summary.
DECODING = "greedy"
NO_REPEAT_NGRAM = 4
VALIDATION_FRACTION = 0.1
VOCABULARY_SIZE = 8_000  # SentencePiece pieces, documents and summaries
# Token lengths: the longest of 95% of the training documents and 99% of
# the summaries, within bounds; metrics.json counts the documents cut.
SOURCE_QUANTILE = 0.95
TARGET_QUANTILE = 0.99
MIN_LENGTH = 8
MAX_SOURCE_LENGTH = 1_024  # longer documents are cut; metrics.json counts them
MAX_TARGET_LENGTH = 128
# Encoder self-attention over more tokens than this runs a block of
# queries at a time (`attention_zoo.ops.chunked_attention`).
QUERY_CHUNK_SIZE = 256
BEAM_WIDTH = 4
LENGTH_PENALTY = 1.0
COVERAGE_WEIGHT = 1.0  # lambda of See et al.'s coverage loss
VALIDATION_ROUGE_EXAMPLES = 200  # summarized after every epoch
