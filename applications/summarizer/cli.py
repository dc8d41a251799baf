"""The summarizer's adapter for the shared command line.

Keras and the model are imported inside the methods, when a command runs:
`--help` and argument errors answer without loading them."""

from applications._runner.arguments import fraction
from applications._runner.arguments import positive_int
from applications._runner.contract import TrainingData
from applications._runner.errors import UsageError
from applications._seq2seq_cli import Seq2SeqApplication
from applications._seq2seq_cli import alignment
from applications._seq2seq_cli import cut_warning
from applications.summarizer import defaults

ATTENTION_PICTURES = 4


class SummarizerApplication(Seq2SeqApplication):
    name = "summarizer"
    description = (
        "Summarization with an attention encoder-decoder, a pointer-"
        "generator among them (DialogSum or your documents)."
    )
    attention_choices = defaults.ATTENTIONS
    default_attention = "multi_head"
    default_epochs = 10
    default_batch_size = 16
    default_test_fraction = 0.1
    decodings = defaults.DECODINGS
    default_decoding = defaults.DECODING
    beam_width = defaults.BEAM_WIDTH
    length_penalty = defaults.LENGTH_PENALTY
    no_repeat_ngram = defaults.NO_REPEAT_NGRAM
    output_noun = "summaries"
    monitor = "val_rougeL"
    monitor_mode = "max"
    input_help = (
        "documents to summarize (with --input-file, separated by blank lines)"
    )
    input_unit = "paragraph"
    data_help = defaults.DATA_FORMATS

    @property
    def model_class(self):
        from applications.summarizer.model import Summarizer

        return Summarizer

    # Flags -------------------------------------------------------------------

    def add_arguments(self, parser, command):
        if command in ("train", "evaluate", "export"):
            parser.add_argument(
                "--source-field",
                metavar="NAME",
                help="the document's field or column (default: the first of "
                "dialogue, document, article, text, source)",
            )
            parser.add_argument(
                "--target-field",
                metavar="NAME",
                help="the summary's field or column; numbered fields after "
                "it (summary1, summary2, ...) are more references "
                "(default: the first of summary, summary1, highlights, "
                "abstract, target)",
            )
        if command == "train":
            parser.add_argument(
                "--vocabulary-size",
                metavar="N",
                type=positive_int,
                default=defaults.VOCABULARY_SIZE,
                help="SentencePiece pieces at most, one vocabulary for "
                "documents and summaries (default "
                f"{defaults.VOCABULARY_SIZE:,})",
            )
            parser.add_argument(
                "--source-length",
                metavar="N",
                type=positive_int,
                help="token ids read of a document; longer ones are cut and "
                "counted in metrics.json (default: enough for 99%% of the "
                f"training documents, at most {defaults.MAX_SOURCE_LENGTH:,})",
            )
            parser.add_argument(
                "--target-length",
                metavar="N",
                type=positive_int,
                help="the longest summary in token ids (default: enough for "
                "99%% of the training summaries, at most "
                f"{defaults.MAX_TARGET_LENGTH})",
            )
        if command in ("evaluate", "export"):
            parser.add_argument(
                "--test-fraction",
                metavar="F",
                type=fraction,
                help="score only the held-out share F of --data, as train "
                "split it with the same --seed (default: the data's test "
                "file, else all of --data)",
            )
        if command == "predict":
            parser.add_argument(
                "--plot",
                metavar="DIR",
                help="draw each input's cross-attention over its document "
                "into DIR/summary_<i>.png (a new or empty folder); the "
                "pointer's copied tokens are marked",
            )
        self.add_decoding_arguments(parser, command)

    # Data --------------------------------------------------------------------

    def _fields(self, args):
        return {
            "source_field": args.source_field,
            "target_field": args.target_field,
        }

    def load_data(self, args):
        from applications.summarizer import data

        splits = data.load(
            args.data,
            test_data=args.test_data,
            test_fraction=args.test_fraction,
            max_examples=args.max_examples,
            seed=args.seed,
            **self._fields(args),
        )
        train = (splits.train.sources, splits.train.targets)
        validation = None
        if len(splits.validation):
            validation = (splits.validation.sources, splits.validation.targets)
        return TrainingData(
            train=train,
            validation=validation,
            test=splits.test,
            examples={
                "train": len(splits.train),
                "validation": len(splits.validation),
                "test": len(splits.test),
            },
            info=self._fields(args),
            loaded=splits,
        )

    def build_model(self, args, data):
        from applications.summarizer import recipe

        model = recipe.build(
            data.train,
            attention=args.attention,
            vocabulary_size=args.vocabulary_size,
            source_length=args.source_length,
            target_length=args.target_length,
            epochs=args.epochs,
            batch_size=args.batch_size,
        )
        preprocessor = model.preprocessor
        data.info.update(
            {
                "vocabulary_size": preprocessor.target_vocabulary_size,
                "source_length": preprocessor.source_length,
                "target_length": preprocessor.target_length,
                "truncated": _truncated(model, data.train[0], data.test),
            }
        )
        return model

    def callbacks(self, args, data, model):
        """ROUGE-L of greedy decoding on a validation slice after every
        epoch, logged as `val_rougeL` (the monitored metric)."""
        if data.validation is None:
            return []
        from attention_zoo.callbacks import GenerationEvaluator

        count = defaults.VALIDATION_ROUGE_EXAMPLES
        validation = data.loaded.validation
        return [
            GenerationEvaluator(
                model.generate,
                validation.sources[:count],
                validation.references[:count],
                metric="rougeL",
                batch_size=args.batch_size,
                verbose=0,
            )
        ]

    def exporter(self, model):
        from applications.summarizer.export import SummarizerExporter

        return SummarizerExporter(model)

    def load_test_data(self, args, model):
        from applications.summarizer import data

        return data.load_test(
            args.data,
            test_fraction=args.test_fraction,
            max_examples=args.max_examples,
            seed=args.seed,
            **self._fields(args),
        )

    # Results -----------------------------------------------------------------

    def evaluate(self, model, test, args):
        """ROUGE F1 x 100 (rouge-score, stemming) of `--decoding`, of
        greedy decoding and of the Lead baseline on the same documents;
        the best over an example's references, and the mean."""
        from applications.summarizer.lead import average_words
        from applications.summarizer.lead import lead
        from applications.summarizer.scores import ROUGE_TYPES
        from applications.summarizer.scores import SCORER
        from applications.summarizer.scores import rouge_scores

        methods = [self.decoding(args)]
        if args.decoding != "greedy":
            methods.append({"method": "greedy"})
        results = {}
        for options in methods:
            summaries = model.generate(
                test.sources, batch_size=args.batch_size, **options
            )
            results[options["method"]] = {
                **rouge_scores(summaries, test.references),
                **{k: v for k, v in options.items() if k != "method"},
            }
        # Lead is as long as the average training summary; without the
        # training data, as the test's first references.
        words = test.lead_words
        lead_length = "the average training summary"
        if words is None:
            words = average_words([r[0] for r in test.references])
            lead_length = "the average first test reference"
        leads = [lead(document, words) for document in test.sources]
        chosen = results[args.decoding]
        return {
            **{name: chosen[name] for name in ROUGE_TYPES},
            "references": "best",
            "mean_over_references": chosen["mean_over_references"],
            "decoding": args.decoding,
            **results,
            "lead": {
                **rouge_scores(leads, test.references),
                "words": words,
                "words_of": lead_length,
            },
            "examples": len(test.sources),
            "reference_count": max(len(r) for r in test.references),
            "truncated_documents": _truncated_count(model, test.sources),
            "scorer": SCORER,
        }

    def predict(self, model, inputs, args):
        plots = _plot_directory(args.plot)
        encoder_ids = model.preprocess(inputs)
        ids = model.generate_ids(encoder_ids, **self.decoding(args))
        summaries = model.preprocessor.detokenize(ids)
        explained = None
        if args.explain or plots:
            explained = model.explain(encoder_ids, ids)
        results = []
        for i, (text, summary) in enumerate(zip(inputs, summaries)):
            result = {"summary": summary, "decoding": args.decoding}
            warning = cut_warning(model, text)
            if warning:
                result["warnings"] = [warning]
            if explained is not None:
                shown = _alignment(model, text, ids[i], explained, i)
                if args.explain:
                    result["attention"] = _most_attended(shown)
                if plots:
                    path = plots / f"summary_{i:03d}.png"
                    _draw(shown, f"input {i}: cross-attention", path)
                    result["plot"] = str(path)
            results.append(result)
        return results

    def save_attention(self, model, data, directory):
        sources = list(data.test.sources[:ATTENTION_PICTURES])
        if not sources:
            return
        directory.mkdir(parents=True, exist_ok=True)
        encoder_ids = model.preprocess(sources)
        ids = model.generate_ids(encoder_ids)
        explained = model.explain(encoder_ids, ids)
        for i, source in enumerate(sources):
            _draw(
                _alignment(model, source, ids[i], explained, i),
                f"test document {i}: cross-attention",
                directory / f"test_{i:03d}.png",
            )


def _truncated_count(model, documents):
    preprocessor = model.preprocessor
    lengths = [len(p) + 1 for p in preprocessor.source_pieces(documents)]
    return sum(length > preprocessor.source_length for length in lengths)


def _truncated(model, train_documents, test):
    """How many documents the source length cuts, per split."""
    return {
        "train": _truncated_count(model, train_documents),
        "test": _truncated_count(model, test.sources),
        "source_length": model.preprocessor.source_length,
    }


def _alignment(model, text, ids, explained, i):
    """`alignment` of example `i`, and (pointer-generator) how much each
    token was copied."""
    shown = alignment(model, text, ids, explained["alignment"][i])
    if "copying" in explained:
        rows = len(shown["target_tokens"])
        shown["copying"] = [
            round(float(c), 4) for c in explained["copying"][i][:rows]
        ]
    return shown


def _most_attended(shown):
    """For each summary token, the source token it attended to most (and
    for a pointer-generator, its copy probability `1 - g`)."""
    steps = []
    for t, (token, row) in enumerate(
        zip(shown["target_tokens"], shown["weights"])
    ):
        best = max(range(len(row)), key=row.__getitem__)
        step = {
            "token": token,
            "attended": shown["source_tokens"][best],
            "weight": row[best],
        }
        if "copying" in shown:
            step["copy_probability"] = shown["copying"][t]
        steps.append(step)
    return steps


def _draw(shown, title, path):
    """The cross-attention heatmap; a pointer-generator's tokens copied
    more than generated (`1 - g > 0.5`) are marked `(copied)`."""
    from attention_zoo.visualize import plot_alignment

    targets = list(shown["target_tokens"])
    if "copying" in shown:
        targets = [
            f"{token} (copied)" if copy > 0.5 else token
            for token, copy in zip(targets, shown["copying"])
        ]
    figure = plot_alignment(
        shown["weights"],
        shown["source_tokens"],
        targets,
        title=title,
        path=path,
        source_label="document",
        target_label="summary",
    )
    figure.clf()


def _plot_directory(plot):
    """`--plot DIR` as a new or empty folder, or `None`."""
    from pathlib import Path

    if plot is None:
        return None
    directory = Path(plot)
    if directory.exists() and (
        not directory.is_dir() or any(directory.iterdir())
    ):
        raise UsageError(
            f"--plot {plot} is not an empty folder; give a new or empty "
            "folder for the pictures"
        )
    directory.mkdir(parents=True, exist_ok=True)
    return directory


APPLICATION = SummarizerApplication()
