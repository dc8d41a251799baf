"""What the translator's and the summarizer's command lines share: the
decoding flags, and what `predict` says of each input (a cut warning,
the attention of each generated token over the source tokens).

Keras is imported inside the functions, when a command runs: `--help`
and argument errors answer without loading it."""

import argparse

from applications._runner.arguments import non_negative_float
from applications._runner.arguments import positive_int
from applications._runner.contract import Application


class Seq2SeqApplication(Application):
    """An `Application` whose model is a `Seq2Seq`.

    Subclasses set `decodings` (the `--decoding` choices) and
    `default_decoding`, `beam_width`, `length_penalty` and `no_repeat_ngram`
    (their defaults), and `output_noun` (what the model writes, for
    `--help`).
    """

    decodings = ("greedy", "beam")
    default_decoding = "beam"
    beam_width = 4
    length_penalty = 1.0
    no_repeat_ngram = 0
    output_noun = "outputs"

    def add_decoding_arguments(self, parser, command):
        if command not in ("train", "evaluate", "predict"):
            return
        parser.add_argument(
            "--decoding",
            choices=self.decodings,
            default=self.default_decoding,
            help=f"how tokens are chosen (default {self.default_decoding}; "
            "train and evaluate also report greedy)",
        )
        parser.add_argument(
            "--beam-width",
            metavar="N",
            type=positive_int,
            default=self.beam_width,
            help=f"beams kept (default {self.beam_width})",
        )
        parser.add_argument(
            "--length-penalty",
            metavar="A",
            type=non_negative_float,
            default=self.length_penalty,
            help=f"beam search favours longer {self.output_noun} as A grows "
            f"(default {self.length_penalty})",
        )
        parser.add_argument(
            "--no-repeat-ngram",
            metavar="N",
            type=no_repeat_ngram,
            default=self.no_repeat_ngram,
            help=f"never repeat a run of N subwords within one of the "
            f"{self.output_noun}; 0 allows repeats (default "
            f"{self.no_repeat_ngram})",
        )

    def decoding(self, args):
        """The `generate` options of `--decoding` and its flags."""
        options = {"method": args.decoding}
        if args.no_repeat_ngram:
            options["no_repeat_ngram"] = args.no_repeat_ngram
        if args.decoding == "beam":
            options.update(
                beam_width=args.beam_width, length_penalty=args.length_penalty
            )
        elif args.decoding == "top_k":
            options.update(top_k=getattr(args, "top_k", 10), seed=args.seed)
        elif args.decoding == "top_p":
            options.update(top_p=getattr(args, "top_p", 0.9), seed=args.seed)
        return options


def no_repeat_ngram(text):
    """`--no-repeat-ngram`: 0 (off), or an n-gram length of at least 2."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0 or value == 1:
        raise argparse.ArgumentTypeError(
            "expected 0 (repeats allowed) or an integer of 2 or more, "
            f"received {text!r}"
        )
    return value


def cut_warning(model, text):
    """A warning when `text` is longer than the model reads."""
    preprocessor = model.preprocessor
    pieces = len(preprocessor.source_pieces([text])[0])
    if pieces + 1 <= preprocessor.source_length:
        return None
    return (
        f"only the first {preprocessor.source_length - 1} of its {pieces} "
        "subword tokens were read (the model's sequence length)"
    )


def alignment(model, text, ids, weights):
    """The attention `weights` `(T, S)` of each generated token of `ids`
    over the source tokens of `text`, rounded, as JSON-able lists."""
    from applications._seq2seq.preprocessor import END

    preprocessor = model.preprocessor
    source_tokens = preprocessor.source_tokens(text)
    ended = END in [int(token) for token in ids]
    target_tokens = preprocessor.target_tokens(ids) + ["</s>"] * ended
    rows = min(len(target_tokens), len(weights))
    return {
        "source_tokens": source_tokens,
        "target_tokens": target_tokens[:rows],
        "weights": [
            [round(float(w), 4) for w in row[: len(source_tokens)]]
            for row in weights[:rows]
        ],
    }
