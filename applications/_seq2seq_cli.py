"""What the translator's and the summarizer's command lines share: the
decoding flags, and what `predict` says of each input (a cut warning,
the attention of each generated token over the source tokens).

Keras is imported inside the functions, when a command runs: `--help`
and argument errors answer without loading it."""

from applications._runner.arguments import non_negative_float
from applications._runner.arguments import positive_int
from applications._runner.contract import Application


class Seq2SeqApplication(Application):
    """An `Application` whose model is a `Seq2Seq`.

    Subclasses set `decodings` (the `--decoding` choices, beam search
    the default), `beam_width` and `length_penalty` (their defaults),
    and `output_noun` (what the model writes, for `--help`).
    """

    decodings = ("greedy", "beam")
    beam_width = 4
    length_penalty = 1.0
    output_noun = "outputs"

    def add_decoding_arguments(self, parser, command):
        if command not in ("train", "evaluate", "predict"):
            return
        parser.add_argument(
            "--decoding",
            choices=self.decodings,
            default="beam",
            help="how tokens are chosen (default beam; train and evaluate "
            "also report greedy)",
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

    def decoding(self, args):
        """The `generate` options of `--decoding` and its flags."""
        options = {"method": args.decoding}
        if args.decoding == "beam":
            options.update(
                beam_width=args.beam_width, length_penalty=args.length_penalty
            )
        elif args.decoding == "top_k":
            options.update(top_k=getattr(args, "top_k", 10), seed=args.seed)
        elif args.decoding == "top_p":
            options.update(top_p=getattr(args, "top_p", 0.9), seed=args.seed)
        return options


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
