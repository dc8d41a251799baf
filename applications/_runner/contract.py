"""What an application tells the shared runner: the `Application` class
each application subclasses (in its `cli.py`), and `TrainingData`, what
its `load_data` returns."""

from dataclasses import dataclass
from dataclasses import field

from applications._runner.arguments import PATIENCE
from applications._runner.arguments import read_inputs
from applications._runner.errors import UsageError


@dataclass
class TrainingData:
    """What `Application.load_data` returns.

    Attributes:
        train: what `model.fit` takes: a tuple `(x, y)` of arrays or
            lists, a `tf.data.Dataset` or a `keras.utils.PyDataset`.
        validation: what `fit` takes as `validation_data`, or `None`.
        test: the held-out examples, in the form the application's
            `evaluate` and `save_attention` take.
        examples: `{"train": n, "validation": n, "test": n}`.
        info: JSON-able facts recorded in `metrics.json` (labels, ...).
        loaded: what the application loaded, for its `build_model`
            (a vocabulary is learned from it, say).
    """

    train: object
    validation: object
    test: object
    examples: dict
    info: dict = field(default_factory=dict)
    loaded: object = None


class Application:
    """An application's adapter for the runner. Override the methods.

    Attributes:
        name: the package name, `python -m applications.<name>`.
        description: one line for `--help`.
        model_class: the class of the application's saved models; a
            `--model` file recording another class is refused unloaded.
        attention_choices: the values of `--attention`; its default
            `default_attention`.
        default_epochs, default_batch_size, default_test_fraction:
            defaults of those flags.
        monitor, monitor_mode: the metric that picks the best epoch and
            stops training early (`"val_loss"`, `"min"`; a translator
            would say `"val_bleu"`, `"max"`).
        data_help, input_help: what `--data` and `predict`'s inputs are.
        input_unit: how `predict --input-file` splits a file: `"line"`
            (one input per line) or `"paragraph"` (inputs separated by
            blank lines, for documents of several lines).
        default_patience: the default of `--patience`.
        default_top_k: the default of `predict --top-k`.
        validation_in_fit: whether `TrainingData.validation` goes to
            `fit` as `validation_data`; `False` when the application's
            callbacks score it and log the monitored metric themselves
            (a recommender ranks the whole catalogue for each user).
    """

    name = "application"
    description = ""
    model_class = None
    attention_choices = ()
    default_attention = None
    default_epochs = 5
    default_batch_size = 32
    default_test_fraction = 0.2
    monitor = "val_loss"
    monitor_mode = "min"
    data_help = "the data"
    input_help = "raw inputs to predict"
    input_unit = "line"
    default_patience = PATIENCE
    default_top_k = 8
    validation_in_fit = True

    def add_arguments(self, parser, command):
        """Adds the application's own flags to `command`'s parser."""

    def epochs_of(self, args):
        """The epochs of a `train` run without `--epochs`."""
        return self.default_epochs

    def epochs_help(self):
        """`--epochs`'s default, as `--help` shows it."""
        return str(self.default_epochs)

    def load_data(self, args):
        """Returns the `TrainingData` of `args.data` (and
        `args.test_data`, `args.test_fraction`, ...)."""
        raise NotImplementedError

    def build_model(self, args, data):
        """Returns the compiled model for `data`."""
        raise NotImplementedError

    def callbacks(self, args, data, model):
        """Callbacks added to the standard bundle (an evaluator that logs
        `val_bleu`, say); none by default."""
        return []

    def load_test_data(self, args, model):
        """Returns the held-out examples of `args.data` for `evaluate`,
        in the form `TrainingData.test` has."""
        raise NotImplementedError

    def evaluate(self, model, test, args):
        """Returns the held-out metrics of `test`, a dict of floats."""
        raise NotImplementedError

    def read_inputs(self, args):
        """`predict`'s raw inputs: its arguments and `--input-file`."""
        return read_inputs(args, self.input_unit)

    def predict(self, model, inputs, args):
        """Returns one JSON-able dict per raw input (strings)."""
        raise NotImplementedError

    def exporter(self, model):
        """The `applications._exporter.Exporter` of `model`: what its
        SavedModel, LiteRT and ONNX files compute."""
        raise UsageError(
            f"export is not available for {self.name} yet; the saved "
            "model.keras loads with keras.saving.load_model"
        )

    def save_attention(self, model, data, directory):
        """Writes attention pictures of test examples into `directory`."""
