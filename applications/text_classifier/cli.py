"""The text classifier's adapter for the shared command line.

Keras and the model are imported inside the methods, when a command runs:
`--help` and argument errors answer without loading them."""

from applications._classifier_cli import ClassifierApplication
from applications._runner.arguments import positive_int
from applications.text_classifier import defaults

PICTURE_WORDS = 120


class TextClassifierApplication(ClassifierApplication):
    name = "text_classifier"
    description = "Text classification with attention (IMDB or your files)."
    attention_choices = defaults.ATTENTIONS
    default_attention = "bahdanau"
    default_epochs = 5
    default_batch_size = 32
    attention_pictures = 3
    data_help = (
        "'imdb' (downloaded), a folder train/<label>/*.txt + "
        "test/<label>/*.txt, a .tar.gz/.zip of one, or a .csv/.tsv with "
        "text and label columns"
    )
    input_help = "texts to classify"

    @property
    def model_class(self):
        from applications.text_classifier.model import TextClassifier

        return TextClassifier

    @property
    def data_module(self):
        from applications.text_classifier import data

        return data

    def add_arguments(self, parser, command):
        if command == "train":
            parser.add_argument(
                "--vocabulary-size",
                metavar="N",
                type=positive_int,
                default=defaults.VOCABULARY_SIZE,
                help="most frequent training words kept (default "
                f"{defaults.VOCABULARY_SIZE:,})",
            )
            parser.add_argument(
                "--sequence-length",
                metavar="N",
                type=positive_int,
                default=defaults.SEQUENCE_LENGTH,
                help="words read of each text; the rest is cut (default "
                f"{defaults.SEQUENCE_LENGTH})",
            )

    def build_model(self, args, data):
        from applications.text_classifier import recipe

        return recipe.build(
            data.loaded,
            attention=args.attention,
            vocabulary_size=args.vocabulary_size,
            sequence_length=args.sequence_length,
            epochs=args.epochs,
            batch_size=args.batch_size,
        )

    def exporter(self, model):
        from applications.text_classifier.export import TextClassifierExporter

        return TextClassifierExporter(model)

    def read_test(self, args, model):
        return self.data_module.load_test(
            args.data, max_examples=args.max_examples, seed=args.seed
        )

    def predict(self, model, inputs, args):
        from attention_zoo.visualize import top_tokens

        probabilities, weights = model.explain(inputs)
        results = []
        for text, row, row_weights in zip(inputs, probabilities, weights):
            best = int(row.argmax())
            result = {
                "input": text,
                "label": model.labels[best],
                "probability": round(float(row[best]), 6),
                "probabilities": {
                    label: round(float(p), 6)
                    for label, p in zip(model.labels, row)
                },
            }
            warnings = _reading_warnings(model, text)
            if warnings:
                result["warnings"] = warnings
            if args.explain:
                words = model.words(text)
                result["attention"] = [
                    {
                        "word": word,
                        "position": position,
                        "weight": round(weight, 6),
                    }
                    for word, weight, position in (
                        top_tokens(words, row_weights[: len(words)], args.top_k)
                        if words
                        else []
                    )
                ]
            results.append(result)
        return results

    def draw(self, model, example, attention, title, path):
        from attention_zoo.visualize import plot_text_attention

        words = model.words(example)  # the positions attention is over
        shown = words[:PICTURE_WORDS]
        if shown:
            figure = plot_text_attention(
                shown,
                attention[: len(shown)],
                path=path,
                title=title,
                num_positions=len(words),
            )
            figure.clf()


def _reading_warnings(model, text):
    """What the model could not read of `text`, for the user to know."""
    from applications.text_classifier.preprocessor import split_words

    words = split_words(text)
    preprocessor = model.preprocessor
    warnings = []
    if not (preprocessor([text])[0] > 1).any():
        warnings.append(
            "no word of this text is in the model's vocabulary, so the "
            "prediction says nothing about it"
        )
    if len(words) > preprocessor.sequence_length:
        warnings.append(
            f"only the first {preprocessor.sequence_length} of its "
            f"{len(words)} words were read (the model's sequence length)"
        )
    return warnings


APPLICATION = TextClassifierApplication()
