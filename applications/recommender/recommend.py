"""What `predict` prints and `train` draws: a history's top items (with
titles where the data names them) and the past items the model attended
to."""

import numpy as np

from applications.errors import DataError
from applications.errors import shortened
from applications.recommender.preprocessor import split_history


def resolve_users(model, inputs, data_path, columns):
    """`[{"history": [ids], "user": id or None}]` of `predict`'s inputs:
    a `{"user": id}` gets their whole history in `data_path`."""
    wanted = [entry["user"] for entry in inputs if "user" in entry]
    histories = {}
    if wanted:
        from applications.recommender import data

        splits = data.load_known(data_path, model.preprocessor.items, **columns)
        index = {user: i for i, user in enumerate(splits.users)}
        for user in wanted:
            if user not in index:
                raise DataError(
                    f"user {shortened(user, 30)!r} has no interaction with a "
                    f"known item in {data_path}; give a user id of that data"
                )
            histories[user] = splits.history(index[user], "all")
    return [
        {"history": histories[entry["user"]], "user": entry["user"]}
        if "user" in entry
        else {"history": split_history(entry["history"]), "user": None}
        for entry in inputs
    ]


def _item(preprocessor, index, **more):
    entry = {"item": preprocessor.items[index - 1]}
    title = preprocessor.title(index)
    if title:
        entry["title"] = title
    return {**entry, **more}


def recommendations(model, histories, top_k, explain=False):
    """One dict per history: its `top_k` unseen items with scores, and
    with `explain` the past items attended to most."""
    preprocessor = model.preprocessor
    x = {
        "history": [h["history"] for h in histories],
        "user": [h["user"] or "" for h in histories],
    }
    scores = model.score_items(x)
    encoded = preprocessor(x)
    results = []
    for row, entry in enumerate(histories):
        result = {} if entry["user"] is None else {"user": entry["user"]}
        warnings = []
        unknown = preprocessor.unknown(entry["history"])
        if unknown:
            warnings.append(
                f"{len(unknown)} item(s) the model does not know were "
                f"skipped: {shortened(', '.join(unknown), 60)}"
            )
        known = preprocessor.item_indices(entry["history"])
        known = known[known > 0]
        if not len(known):
            warnings.append(
                "no item of the history is known: the items are ranked as "
                "for a user without history"
            )
        if model.backbone.kind == "factors" and (encoded["user"][row] == 0):
            warnings.append(
                "mf and popularity score a user, not a history: this one is "
                "ranked as an unknown user (by the item biases mostly)"
            )
        row_scores = scores[row].copy()
        row_scores[known] = -np.inf  # recommend what the user has not seen
        row_scores[0] = -np.inf
        top = np.argsort(-row_scores, kind="stable")[:top_k]
        top = top[np.isfinite(row_scores[top])]
        result["history_items"] = int(len(known))
        result["recommendations"] = [
            _item(preprocessor, int(i), score=round(float(row_scores[i]), 4))
            for i in top
        ]
        if explain and len(top):
            attended = attended_items(model, encoded, row, int(top[0]))
            if attended is None:
                warnings.append(
                    f"{model.backbone.name} has no attention to explain"
                )
            else:
                result["attention"] = attended[:top_k]
        if warnings:
            result["warnings"] = warnings
        results.append(result)
    return results


def history_attention(model, encoded, row, item):
    """`(indices, weights)` of the items of history `row` of `encoded`
    (preprocessed) and their attention: the last position's self-attention,
    or `item`'s target attention; `None` without attention."""
    part = {name: value[row : row + 1] for name, value in encoded.items()}
    weights = model.attention(part, np.array([item], "int32"))
    if weights is None:
        return None
    history = part["history"][0]
    real = history > 0
    return history[real], weights[0][real]


def attended_items(model, encoded, row, item):
    """The past items of history `row`, most attended first."""
    found = history_attention(model, encoded, row, item)
    if found is None:
        return None
    indices, weights = found
    count = len(indices)
    order = np.argsort(-weights, kind="stable")
    return [
        _item(
            model.preprocessor,
            int(indices[i]),
            weight=round(float(weights[i]), 4),
            items_ago=int(count - i),
        )
        for i in order
    ]


def draw_attention(model, history, title, path, items_shown):
    """A picture of the attention of `history`'s last step over its
    `items_shown` most recent items (of a target-attention model: that of
    its top recommendation)."""
    from attention_zoo.visualize import plot_text_attention

    preprocessor = model.preprocessor
    encoded = preprocessor({"history": [history], "user": [""]})
    scores = model.score_items(encoded)[0]
    scores[preprocessor.item_indices(history)] = -np.inf  # seen (and 0)
    scores[0] = -np.inf
    found = history_attention(model, encoded, 0, int(np.argmax(scores)))
    if found is None:
        return
    indices, weights = found
    names = [
        shortened(preprocessor.title(int(i)) or preprocessor.items[i - 1], 28)
        for i in indices
    ]
    figure = plot_text_attention(
        [f"[{name}]" for name in names[-items_shown:]],
        weights[-items_shown:],
        path=path,
        title=title,
        num_positions=len(indices),
    )
    figure.clf()
