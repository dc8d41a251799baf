"""`Seq2SeqPreprocessor`: sentences to the token ids of an encoder-decoder,
and generated ids back to sentences, with SentencePiece subwords.

Why SentencePiece (Kudo and Richardson 2018) rather than WordPiece: it
reads raw text, spaces included (a space is the piece `▁`), so
`detokenize(tokenize(s)) == s` after NFKC normalization. The generated
text is then exactly what BLEU and chrF should score, with "¿" and "?"
where a Spanish writer puts them; WordPiece splits punctuation off and
its detokenizer cannot tell where spaces were. It also needs no word
splitting, so it works for any language.
"""

import base64
import io

import numpy as np
from keras import saving

PAD, UNK, START, END = 0, 1, 2, 3  # the ids of KerasHub's SentencePiece trainer


def train_sentence_piece(texts, vocabulary_size):
    """A SentencePiece unigram model (serialized proto bytes) of `texts`.

    Same conventions as `keras_hub.tokenizers.compute_sentence_piece_proto`
    (ids 0-3 are padding, unknown, start, end; NFKC normalization), but
    called on `sentencepiece` directly for one option KerasHub's wrapper
    does not pass: `hard_vocab_limit=False`, which makes
    `vocabulary_size` an upper bound, so a small corpus gets a smaller
    vocabulary instead of an error.
    """
    import sentencepiece

    texts = [text for text in texts if text]
    if not texts:
        raise ValueError("`texts` holds no text to learn subwords from.")
    proto = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(texts),
        model_writer=proto,
        vocab_size=int(vocabulary_size),
        model_type="unigram",
        character_coverage=1.0,  # every character of the corpus has an id
        hard_vocab_limit=False,
        pad_id=PAD,
        unk_id=UNK,
        bos_id=START,
        eos_id=END,
        minloglevel=2,  # no progress log on stderr
        num_threads=1,  # the same pieces on every machine
    )
    return proto.getvalue()


def _tokenizer(proto):
    import keras_hub

    return keras_hub.tokenizers.SentencePieceTokenizer(proto=proto)


def _is_text(x):
    if isinstance(x, str):
        return True
    return isinstance(x, (list, tuple)) and bool(x) and isinstance(x[0], str)


@saving.register_keras_serializable(package="applications")
class Seq2SeqPreprocessor:
    """Maps sentences to token ids and generated ids back to sentences.

    The encoder reads `pieces(source) + [END]`, at most `source_length`
    ids; the decoder reads `[START] + pieces(target)` and learns to
    predict `pieces(target) + [END]`, each at most `target_length` ids;
    id 0 pads. One SentencePiece model serves both sides (a shared
    vocabulary, and embeddings the model may share) unless
    `target_proto` gives the target side its own. Tokenization is
    KerasHub's `SentencePieceTokenizer`; it runs before the model, so the
    model's graph takes integer ids only. The protos are part of the
    config (base64), so the task's `.keras` file holds them and maps a
    string to a string on every backend.

    Args:
        source_proto: the serialized SentencePiece model of the source
            side (bytes, or base64 text as in the config).
        target_proto: that of the target side, or `None` (shared).
        source_length: encoder ids per sentence, `END` included.
        target_length: decoder ids per sentence, `START` (or `END`)
            included.
    """

    def __init__(
        self,
        source_proto,
        target_proto=None,
        source_length=48,
        target_length=48,
    ):
        self.source_proto = _as_bytes(source_proto)
        self.target_proto = (
            None if target_proto is None else _as_bytes(target_proto)
        )
        self.source_length = int(source_length)
        self.target_length = int(target_length)
        if min(self.source_length, self.target_length) < 2:
            raise ValueError(
                "`source_length` and `target_length` must be at least 2 (a "
                "token and the start or end mark); received "
                f"{self.source_length} and {self.target_length}."
            )
        self.source_tokenizer = _tokenizer(self.source_proto)
        self.target_tokenizer = (
            self.source_tokenizer
            if self.target_proto is None
            else _tokenizer(self.target_proto)
        )

    @property
    def shared_vocabulary(self):
        return self.target_proto is None

    @property
    def source_vocabulary_size(self):
        return int(self.source_tokenizer.vocabulary_size())

    @property
    def target_vocabulary_size(self):
        return int(self.target_tokenizer.vocabulary_size())

    # Sentences to ids ------------------------------------------------------

    def source_pieces(self, texts):
        """The subword ids of each source sentence, untruncated."""
        return _ids(self.source_tokenizer, texts)

    def target_pieces(self, texts):
        """The subword ids of each target sentence, untruncated."""
        return _ids(self.target_tokenizer, texts)

    def encode_sources(self, texts):
        """Encoder ids `(n, source_length)` int32: pieces, `END`, padding
        (a longer sentence keeps its first pieces and the `END`)."""
        rows = [
            pieces[: self.source_length - 1] + [END]
            for pieces in self.source_pieces(texts)
        ]
        return _padded(rows, self.source_length)

    def encode_targets(self, texts):
        """`(decoder_ids, labels)`, each `(n, target_length)` int32: the
        decoder reads `START, pieces` and predicts `pieces, END`."""
        pieces = [
            p[: self.target_length - 1] for p in self.target_pieces(texts)
        ]
        inputs = _padded([[START] + p for p in pieces], self.target_length)
        labels = _padded([p + [END] for p in pieces], self.target_length)
        return inputs, labels

    def __call__(self, x):
        """Encoder ids of source sentences; anything else (ids, a dict of
        ids, a data set) is returned unchanged."""
        if not _is_text(x):
            return x
        return self.encode_sources([x] if isinstance(x, str) else list(x))

    def pack(self, sources, targets):
        """What `fit` takes of sentence pairs: `(inputs, labels)` with
        `inputs = {"encoder_token_ids", "decoder_token_ids"}`; padded
        labels are 0, which the loss leaves out."""
        if len(sources) != len(targets):
            raise ValueError(
                "`sources` and `targets` must be pairs; received "
                f"{len(sources)} sources and {len(targets)} targets."
            )
        decoder_ids, labels = self.encode_targets(list(targets))
        inputs = {
            "encoder_token_ids": self.encode_sources(list(sources)),
            "decoder_token_ids": decoder_ids,
        }
        return inputs, labels

    def truncated(self, sources, targets):
        """How many pairs have a side longer than the model reads."""
        long_sources = [
            len(p) + 1 > self.source_length for p in self.source_pieces(sources)
        ]
        long_targets = [
            len(p) + 1 > self.target_length for p in self.target_pieces(targets)
        ]
        return int(np.sum(np.logical_or(long_sources, long_targets)))

    # Ids to sentences ------------------------------------------------------

    def generated_pieces(self, ids):
        """The generated ids of each row, up to (not including) `END`."""
        rows = []
        for row in np.asarray(ids):
            row = [int(token) for token in row]
            if END in row:
                row = row[: row.index(END)]
            rows.append([token for token in row if token not in (PAD, START)])
        return rows

    def detokenize(self, ids):
        """The target sentences of generated ids `(n, length)`: each row
        up to its first `END`."""
        rows = self.generated_pieces(ids)
        texts = self.target_tokenizer.detokenize([row or [PAD] for row in rows])
        return [_text(text) if row else "" for text, row in zip(texts, rows)]

    def source_tokens(self, text):
        """The subword strings the encoder reads of `text`, `END` as
        `"</s>"`: the rows of an alignment."""
        pieces = self.source_pieces([text])[0][: self.source_length - 1]
        return _pieces(self.source_tokenizer, pieces) + ["</s>"]

    def target_tokens(self, ids):
        """The subword strings of one row of generated ids."""
        return _pieces(self.target_tokenizer, self.generated_pieces([ids])[0])

    # Config ------------------------------------------------------------------

    def get_config(self):
        return {
            "source_proto": _as_text(self.source_proto),
            "target_proto": (
                None
                if self.target_proto is None
                else _as_text(self.target_proto)
            ),
            "source_length": self.source_length,
            "target_length": self.target_length,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _as_bytes(proto):
    if isinstance(proto, bytes):
        return proto
    return base64.b64decode(proto.encode("ascii"))


def _as_text(proto):
    return base64.b64encode(proto).decode("ascii")


def _text(value):
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if hasattr(value, "numpy"):
        return _text(value.numpy())
    return str(value)


def _ids(tokenizer, texts):
    if isinstance(texts, str):
        raise ValueError("`texts` must be a list of strings, not a string.")
    if not texts:
        return []
    rows = tokenizer(list(texts))
    return [[int(token) for token in row] for row in _rows(rows)]


def _rows(ragged):
    """A list of id lists of what a tokenizer returns on any backend."""
    if hasattr(ragged, "to_list"):
        return ragged.to_list()
    return [list(np.asarray(row).reshape(-1)) for row in ragged]


def _pieces(tokenizer, ids):
    return [_text(tokenizer.id_to_token(int(token))) for token in ids]


def _padded(rows, length):
    ids = np.zeros((len(rows), length), dtype="int32")
    for index, row in enumerate(rows):
        ids[index, : len(row)] = row
    return ids
