"""The recommender's choices and defaults, in a module without Keras: the
command line's `--help` shows them before Keras is loaded."""

DATA_FORMATS = (
    "'movielens' (ml-latest-small) or 'ml-1m' (downloaded), a MovieLens "
    ".zip or folder (ratings.csv, ratings.dat or u.data), or a .csv/.tsv "
    "interaction log with a header (user, item and timestamp columns)"
)
ATTENTIONS = ("multi_head", "cosine", "bahdanau", "luong", "mf", "popularity")
# History positions. SASRec read 200 on MovieLens-1M; on ml-latest-small's
# validation items 50 did better in the same minutes (more windows, more
# steps), and target attention holds a (candidates, history) tensor.
SEQUENCE_LENGTH = 50
MIN_COUNT = 5  # items with fewer interactions are dropped (SASRec)
SAMPLED_NEGATIVES = 100  # SASRec's evaluation: unseen items per user
TOP_K = 10  # HR@10, NDCG@10 and predict's list
TRAINING_NEGATIVES = 100  # per example, for the sampled objectives
PATIENCE = 10  # epochs; validation NDCG of a few hundred users is noisy
# Epochs at most (early stopping on validation NDCG ends sooner): a
# self-attentive epoch is one window per history, a few steps; the others
# train on every interaction, hundreds of steps an epoch.
EPOCHS = {
    "multi_head": 200,
    "cosine": 200,
    "bahdanau": 20,
    "luong": 20,
    "mf": 50,
    "popularity": 5,
}
EPOCHS_HELP = "200 for multi_head and cosine, 20 for bahdanau and luong, "
EPOCHS_HELP += "50 for mf, 5 for popularity"
