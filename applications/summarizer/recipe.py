"""How the summarizer is trained: the model built from the training
examples, and the fit loop a user would write.

    from applications.summarizer import data, recipe
    from attention_zoo.callbacks import GenerationEvaluator, standard

    splits = data.load("../shared/data/dialogsum/DialogSum_Data.zip")
    train = splits.train.sources, splits.train.targets
    model = recipe.build(train, attention="pointer", epochs=10)
    rouge = GenerationEvaluator(model.generate, splits.validation.sources,
                                splits.validation.references, metric="rouge")
    model.fit(*train, epochs=10, callbacks=[rouge, *standard(
        "runs/dialogsum", monitor="val_rougeL", mode="max")])
    model.generate(["#Person1#: Hi, Mr. Smith ..."], method="beam")
"""

from applications._seq2seq.fitting import fit_backbone
from applications._seq2seq.fitting import fit_preprocessor
from applications._seq2seq.fitting import training_steps
from applications.summarizer.defaults import COVERAGE_WEIGHT
from applications.summarizer.defaults import MAX_SOURCE_LENGTH
from applications.summarizer.defaults import MAX_TARGET_LENGTH
from applications.summarizer.defaults import MIN_LENGTH
from applications.summarizer.defaults import QUERY_CHUNK_SIZE
from applications.summarizer.defaults import SOURCE_QUANTILE
from applications.summarizer.defaults import TARGET_QUANTILE
from applications.summarizer.defaults import VOCABULARY_SIZE
from applications.summarizer.model import Summarizer

# Smaller than the translator's: documents are long, and the model
# should learn in minutes on a CPU.
TRANSFORMER = {
    "num_layers": 2,
    "hidden_dim": 128,
    "intermediate_dim": 512,
    "num_heads": 4,
}
RECURRENT = {"embedding_dim": 128, "encoder_units": 128, "decoder_units": 128}


def build_preprocessor(
    train,
    vocabulary_size=VOCABULARY_SIZE,
    source_length=None,
    target_length=None,
):
    """A `Seq2SeqPreprocessor` learned from the training examples
    `(documents, summaries)`; a length not given holds
    `SOURCE_QUANTILE` of the documents (`TARGET_QUANTILE` of the
    summaries) whole, at most `MAX_SOURCE_LENGTH` (`MAX_TARGET_LENGTH`)
    ids."""
    sources, targets = train
    return fit_preprocessor(
        sources,
        targets,
        vocabulary_size,
        source_length,
        target_length,
        quantile=(SOURCE_QUANTILE, TARGET_QUANTILE),
        shortest=MIN_LENGTH,
        longest=(MAX_SOURCE_LENGTH, MAX_TARGET_LENGTH),
    )


def build(
    train,
    attention="multi_head",
    vocabulary_size=VOCABULARY_SIZE,
    source_length=None,
    target_length=None,
    epochs=None,
    batch_size=16,
    **backbone_kwargs,
):
    """A compiled `Summarizer` for `train` (`(documents, summaries)`):
    its preprocessor from `build_preprocessor`; its backbone a
    Transformer (`"multi_head"`, `"cosine"`, `"pointer"`, whose encoder
    attends in chunks of `QUERY_CHUNK_SIZE` queries over longer
    documents) or recurrent (`"bahdanau"`, `"luong"`), of the sizes
    `TRANSFORMER` and `RECURRENT` unless `backbone_kwargs` say
    otherwise; with `epochs`, the learning rate warms up and decays over
    that many epochs of `batch_size`."""
    preprocessor = build_preprocessor(
        train, vocabulary_size, source_length, target_length
    )
    if attention in ("bahdanau", "luong"):
        sizes = RECURRENT
    else:
        sizes = {
            **TRANSFORMER,
            "query_chunk_size": QUERY_CHUNK_SIZE,
            "coverage_weight": COVERAGE_WEIGHT,
        }
    backbone = fit_backbone(
        preprocessor, attention, **{**sizes, **backbone_kwargs}
    )
    model = Summarizer(backbone, preprocessor)
    steps = training_steps(epochs, len(train[0]), batch_size)
    model.compile(optimizer=model.default_optimizer(steps))
    return model
