"""The recommender's adapter for the shared command line.

Keras and the model are imported inside the methods, when a command runs:
`--help` and argument errors answer without loading them."""

from applications._runner.arguments import positive_int
from applications._runner.arguments import read_inputs
from applications._runner.contract import Application
from applications._runner.contract import TrainingData
from applications._runner.errors import UsageError
from applications.recommender import defaults

ATTENTION_PICTURES = 4
ITEMS_PICTURED = 20  # the most recent items of a history in a picture


class RecommenderApplication(Application):
    name = "recommender"
    description = (
        "Next-item recommendation with attention over a user's history "
        "(MovieLens or your interaction logs), evaluated leave-one-out."
    )
    attention_choices = defaults.ATTENTIONS
    default_attention = "multi_head"
    default_batch_size = 32
    monitor = "val_full_ndcg@10"
    monitor_mode = "max"
    default_patience = defaults.PATIENCE
    default_top_k = defaults.TOP_K
    validation_in_fit = False
    data_help = defaults.DATA_FORMATS
    input_help = (
        "histories to recommend for: item ids separated by commas, oldest first"
    )

    @property
    def model_class(self):
        from applications.recommender.model import Recommender

        return Recommender

    def epochs_of(self, args):
        return defaults.EPOCHS[args.attention]

    def epochs_help(self):
        return defaults.EPOCHS_HELP

    # Flags -------------------------------------------------------------------

    def add_arguments(self, parser, command):
        for name, what in [
            ("user", "user"),
            ("item", "item"),
            ("time", "timestamp"),
        ]:
            parser.add_argument(
                f"--{name}-column",
                metavar="NAME",
                help=f"a CSV's {what} column (default: found by name)",
            )
        if command == "train":
            parser.add_argument(
                "--min-count",
                metavar="N",
                type=positive_int,
                default=defaults.MIN_COUNT,
                help="drop items with fewer interactions (default "
                f"{defaults.MIN_COUNT})",
            )
            parser.add_argument(
                "--sequence-length",
                metavar="N",
                type=positive_int,
                help="the most recent items of a history the model reads "
                f"(default {defaults.SEQUENCE_LENGTH}, at most the longest "
                "history)",
            )
        if command == "predict":
            parser.add_argument(
                "--user",
                metavar="ID",
                action="append",
                default=[],
                help="recommend for this user of --data, from their whole "
                "history (repeatable)",
            )
            parser.add_argument(
                "--history",
                metavar="IDS",
                action="append",
                default=[],
                help='recommend after these items, "ID,ID,..." oldest first '
                "(repeatable; the same as an INPUT)",
            )
            parser.add_argument(
                "--data",
                metavar="PATH",
                help=f"with --user: {self.data_help}",
            )

    def _columns(self, args):
        return {
            "user_column": args.user_column,
            "item_column": args.item_column,
            "time_column": args.time_column,
        }

    # Data --------------------------------------------------------------------

    def load_data(self, args):
        from applications.recommender import data

        if args.test_data is not None:
            raise UsageError(
                "--test-data: the recommender holds out each user's last "
                "two items (leave-one-out); leave --test-data out"
            )
        splits = data.load(
            args.data,
            min_count=args.min_count,
            max_users=args.max_examples,
            seed=args.seed,
            **self._columns(args),
        )
        data.check_catalogue(splits)
        validation = data.held_out(splits, "validation")
        test = data.held_out(splits, "test")
        return TrainingData(
            train=None,  # arrays of the model's item map: `build_model`
            validation=validation,
            test=test,
            examples={
                "train": sum(len(h) for h in splits.train),
                "validation": len(validation.users),
                "test": len(test.users),
            },
            info={
                "users": len(splits.users),
                "interactions": splits.interactions(),
                "min_count": args.min_count,
                **self._columns(args),
            },
            loaded=splits,
        )

    def build_model(self, args, data):
        from applications.recommender import recipe

        model = recipe.build(
            data.loaded,
            attention=args.attention,
            sequence_length=args.sequence_length,
            seed=args.seed,
        )
        data.train = recipe.training_arrays(model, data.loaded)
        data.info.update(
            {
                "items": model.preprocessor.item_count,
                "sequence_length": model.preprocessor.sequence_length,
            }
        )
        return model

    def callbacks(self, args, data, model):
        """The five ranking metrics of the validation items after every
        epoch, logged as `val_<name>` (`val_full_ndcg@10` is monitored)."""
        from applications.recommender.ranking import RankingEvaluator

        return [RankingEvaluator(data.validation, batch_size=args.batch_size)]

    def exporter(self, model):
        from applications.recommender.export import RecommenderExporter

        return RecommenderExporter(model)

    def load_test_data(self, args, model):
        from applications.recommender import data

        splits = data.load_known(
            args.data,
            model.preprocessor.items,
            max_users=args.max_examples,
            seed=args.seed,
            **self._columns(args),
        )
        data.check_catalogue(splits)
        return data.held_out(splits, "test")

    # Results -----------------------------------------------------------------

    def evaluate(self, model, test, args):
        """HR@10 and NDCG@10 among 100 sampled negatives and over the
        whole catalogue, and MRR (`ranking.py`)."""
        from applications.recommender.ranking import evaluate

        return evaluate(model, test, batch_size=args.batch_size)

    def read_inputs(self, args):
        """Histories (`INPUT`, `--input-file`, `--history`), then users."""
        if args.user and args.data is None:
            raise UsageError(
                "--user needs --data, the interactions that hold the user's "
                "history"
            )
        args.inputs = [*args.inputs, *args.history]
        histories = []
        if args.inputs or args.input_file is not None or not args.user:
            histories = read_inputs(args, self.input_unit)
        return [{"history": h} for h in histories] + [
            {"user": user} for user in args.user
        ]

    def predict(self, model, inputs, args):
        from applications.recommender import recommend

        histories = recommend.resolve_users(
            model, inputs, args.data, self._columns(args)
        )
        return recommend.recommendations(
            model, histories, args.top_k, explain=args.explain
        )

    def save_attention(self, model, data, directory):
        from applications.recommender import recommend

        test = data.test
        count = min(ATTENTION_PICTURES, len(test.users))
        if not count:
            return
        directory.mkdir(parents=True, exist_ok=True)
        for i in range(count):
            recommend.draw_attention(
                model,
                test.histories[i],
                f"user {test.users[i]}: attention over their history",
                directory / f"user_{i:03d}.png",
                ITEMS_PICTURED,
            )


APPLICATION = RecommenderApplication()
