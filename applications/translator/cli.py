"""The translator's adapter for the shared command line.

Keras and the model are imported inside the methods, when a command runs:
`--help` and argument errors answer without loading them."""

from applications._runner.arguments import fraction
from applications._runner.arguments import positive_int
from applications._runner.arguments import seed
from applications._runner.contract import TrainingData
from applications._runner.errors import UsageError
from applications._seq2seq_cli import Seq2SeqApplication
from applications._seq2seq_cli import alignment
from applications._seq2seq_cli import cut_warning
from applications.translator import defaults

ALIGNMENT_PICTURES = 4


class TranslatorApplication(Seq2SeqApplication):
    name = "translator"
    description = (
        "Translation with an attention encoder-decoder (spa-eng or your "
        "sentence pairs)."
    )
    attention_choices = defaults.ATTENTIONS
    default_attention = "multi_head"
    default_epochs = 10
    default_batch_size = 64
    default_test_fraction = 0.15  # the keras.io example's 70/15/15 split
    decodings = defaults.DECODINGS
    beam_width = defaults.BEAM_WIDTH
    length_penalty = defaults.LENGTH_PENALTY
    output_noun = "outputs"
    monitor = "val_bleu"
    monitor_mode = "max"
    input_help = "sentences to translate"

    data_help = defaults.DATA_FORMATS

    @property
    def model_class(self):
        from applications.translator.model import Translator

        return Translator

    # Flags -------------------------------------------------------------------

    def add_arguments(self, parser, command):
        if command in ("train", "evaluate", "export"):
            parser.add_argument(
                "--target-data",
                metavar="FILE",
                help="the target sentences, line-aligned with --data "
                "(then --data holds the source sentences)",
            )
            parser.add_argument(
                "--reverse",
                action="store_true",
                help="translate the other way (target to source)",
            )
        if command == "train":
            parser.add_argument(
                "--test-target-data",
                metavar="FILE",
                help="target sentences line-aligned with --test-data",
            )
            parser.add_argument(
                "--vocabulary-size",
                metavar="N",
                type=positive_int,
                default=defaults.VOCABULARY_SIZE,
                help="SentencePiece pieces at most, one vocabulary for both "
                f"languages (default {defaults.VOCABULARY_SIZE:,})",
            )
            parser.add_argument(
                "--sequence-length",
                metavar="N",
                type=positive_int,
                help="token ids per sentence and side; longer ones are cut "
                "(default: enough for 99%% of the training sentences)",
            )
        if command in ("evaluate", "export"):
            parser.add_argument(
                "--test-fraction",
                metavar="F",
                type=fraction,
                help="score only the held-out share F of --data, as train "
                "split it with the same --seed (default: all of --data)",
            )
        self.add_decoding_arguments(parser, command)
        if command == "predict":
            parser.add_argument(
                "--top-p",
                metavar="P",
                type=fraction,
                default=0.9,
                help="nucleus of --decoding top_p (default 0.9); --top-k "
                "is the k of --decoding top_k",
            )
            parser.add_argument(
                "--seed",
                metavar="N",
                type=seed,
                default=1337,
                help="seed of top_k/top_p sampling (default 1337)",
            )

    # Data --------------------------------------------------------------------

    def load_data(self, args):
        from applications.translator import data

        _check_test_flags(args)
        splits = data.load(
            args.data,
            target_data=args.target_data,
            test_data=args.test_data,
            test_target_data=args.test_target_data,
            reverse=args.reverse,
            test_fraction=args.test_fraction,
            validation_fraction=defaults.VALIDATION_FRACTION,
            max_examples=args.max_examples,
            seed=args.seed,
        )
        validation = splits.validation if splits.validation[0] else None
        return TrainingData(
            train=splits.train,
            validation=validation,
            test=splits.test,
            examples={
                "train": len(splits.train[0]),
                "validation": len(splits.validation[0]),
                "test": len(splits.test[0]),
            },
            info={"reverse": args.reverse, "target_data": args.target_data},
            loaded=splits,
        )

    def build_model(self, args, data):
        from applications.translator import recipe

        model = recipe.build(
            data.train,
            attention=args.attention,
            vocabulary_size=args.vocabulary_size,
            sequence_length=args.sequence_length,
            epochs=args.epochs,
            batch_size=args.batch_size,
        )
        preprocessor = model.preprocessor
        data.info.update(
            {
                "vocabulary_size": preprocessor.target_vocabulary_size,
                "source_length": preprocessor.source_length,
                "target_length": preprocessor.target_length,
                "truncated_training_pairs": preprocessor.truncated(*data.train),
            }
        )
        return model

    def callbacks(self, args, data, model):
        """BLEU of greedy decoding on a validation slice after every
        epoch, logged as `val_bleu` (the monitored metric)."""
        if data.validation is None:
            return []
        from attention_zoo.callbacks import GenerationEvaluator

        count = defaults.VALIDATION_BLEU_EXAMPLES
        sources, targets = data.validation
        return [
            GenerationEvaluator(
                model.generate,
                sources[:count],
                targets[:count],
                metric="bleu",
                batch_size=args.batch_size,
                verbose=0,
            )
        ]

    def exporter(self, model):
        from applications.translator.export import TranslatorExporter

        return TranslatorExporter(model)

    def load_test_data(self, args, model):
        from applications.translator import data

        if args.test_fraction is None:
            return data.load_test(
                None,
                test_data=args.data,
                test_target_data=args.target_data,
                reverse=args.reverse,
                max_examples=args.max_examples,
                seed=args.seed,
            )
        return data.load_test(
            args.data,
            target_data=args.target_data,
            reverse=args.reverse,
            test_fraction=args.test_fraction,
            max_examples=args.max_examples,
            seed=args.seed,
        )

    # Results -----------------------------------------------------------------

    def evaluate(self, model, test, args):
        """sacreBLEU's BLEU and chrF of `--decoding` and of greedy
        decoding, with their signatures."""
        from attention_zoo.metrics import corpus_bleu
        from attention_zoo.metrics import corpus_chrf
        from attention_zoo.metrics import sacrebleu_signature

        sources, references = test
        methods = [self.decoding(args)]
        if args.decoding != "greedy":
            methods.append({"method": "greedy"})
        results = {}
        for options in methods:
            hypotheses = model.generate(
                sources, batch_size=args.batch_size, **options
            )
            results[options["method"]] = {
                "bleu": round(corpus_bleu(hypotheses, references), 4),
                "chrf": round(corpus_chrf(hypotheses, references), 4),
                **{k: v for k, v in options.items() if k != "method"},
            }
        chosen = results[args.decoding]
        return {
            "bleu": chosen["bleu"],
            "chrf": chosen["chrf"],
            "decoding": args.decoding,
            **results,
            "examples": len(sources),
            "signature": {
                "bleu": sacrebleu_signature("bleu"),
                "chrf": sacrebleu_signature("chrf"),
            },
        }

    def predict(self, model, inputs, args):
        options = self.decoding(args)
        encoder_ids = model.preprocess(inputs)
        ids = model.generate_ids(encoder_ids, **options)
        translations = model.preprocessor.detokenize(ids)
        results = []
        alignments = model.align(encoder_ids, ids) if args.explain else None
        for i, (text, translation) in enumerate(zip(inputs, translations)):
            result = {
                "input": text,
                "translation": translation,
                "decoding": args.decoding,
            }
            warning = cut_warning(model, text)
            if warning:
                result["warnings"] = [warning]
            if alignments is not None:
                result["alignment"] = alignment(
                    model, text, ids[i], alignments[i]
                )
            results.append(result)
        return results

    def save_attention(self, model, data, directory):
        from attention_zoo.visualize import plot_alignment

        sources, references = data.test
        sources = list(sources[:ALIGNMENT_PICTURES])
        if not sources:
            return
        directory.mkdir(parents=True, exist_ok=True)
        encoder_ids = model.preprocess(sources)
        ids = model.generate_ids(encoder_ids)
        alignments = model.align(encoder_ids, ids)
        for i, source in enumerate(sources):
            shown = alignment(model, source, ids[i], alignments[i])
            figure = plot_alignment(
                shown["weights"],
                shown["source_tokens"],
                shown["target_tokens"],
                title=f"test sentence {i}: reference {references[i]!r}",
                path=directory / f"test_{i:03d}.png",
            )
            figure.clf()


def _check_test_flags(args):
    """The test flags `data.load` would refuse, as command-line errors."""
    if args.test_target_data is not None and args.test_data is None:
        raise UsageError(
            "--test-target-data needs --test-data (the test sources it is "
            "line-aligned with)"
        )
    most = 1 - defaults.VALIDATION_FRACTION
    if args.test_data is None and args.test_fraction >= most:
        raise UsageError(
            f"--test-fraction {args.test_fraction:g} leaves no pairs to "
            f"train: with {defaults.VALIDATION_FRACTION:g} for validation it "
            f"must be below {most:g}"
        )


APPLICATION = TranslatorApplication()
