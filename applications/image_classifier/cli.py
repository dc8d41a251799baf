"""The image classifier's adapter for the shared command line.

Keras and the model are imported inside the methods, when a command runs:
`--help` and argument errors answer without loading them."""

from pathlib import Path

import numpy as np

from applications._classifier_cli import ClassifierApplication
from applications._runner.arguments import positive_int
from applications._runner.errors import UsageError
from applications.image_classifier import defaults


class ImageClassifierApplication(ClassifierApplication):
    name = "image_classifier"
    description = "Image classification with spatial/channel attention."
    attention_choices = defaults.ATTENTIONS
    default_attention = "cbam"
    default_epochs = 10
    default_batch_size = defaults.BATCH_SIZE
    data_help = (
        "fashion_mnist, mnist or cifar10 (Keras cache or download), a "
        "folder train/<class>/ + test/<class>/ of images, or an .npz with "
        "x_train, y_train, x_test, y_test"
    )
    input_help = "image files to classify"

    @property
    def model_class(self):
        from applications.image_classifier.model import ImageClassifier

        return ImageClassifier

    @property
    def data_module(self):
        from applications.image_classifier import data

        return data

    def add_arguments(self, parser, command):
        if command == "train":
            parser.add_argument(
                "--augment",
                choices=tuple(defaults.AUGMENTATIONS),
                default=None,
                help="training augmentation (default: flip, but "
                "translate for mnist)",
            )
            parser.add_argument(
                "--image-size",
                type=positive_int,
                nargs=2,
                metavar=("HEIGHT", "WIDTH"),
                help="resize folder images to this size (default: the "
                "size of the first training image); folders only",
            )

    def load_options(self, args):
        if args.image_size and not Path(args.data).is_dir():
            raise UsageError(
                f"--image-size resizes the images of a folder; --data "
                f"{args.data} is not a folder (its images keep their size)"
            )
        return {"image_size": args.image_size}

    def info(self, loaded):
        return {
            "image_shape": list(loaded.x_train.shape[1:]),
            "converted_images": loaded.converted_images,
        }

    def build_model(self, args, data):
        from applications.image_classifier import recipe

        augment = args.augment or recipe.default_augmentation(args.data)
        data.info["augmentation"] = augment
        return recipe.build(
            data.loaded,
            attention=args.attention,
            epochs=args.epochs,
            batch_size=args.batch_size,
            augmentation=defaults.AUGMENTATIONS[augment],
        )

    def exporter(self, model):
        from applications.image_classifier.export import ImageClassifierExporter

        return ImageClassifierExporter(model)

    def read_test(self, args, model):
        return self.data_module.load_test(
            args.data,
            model.image_shape,
            max_examples=args.max_examples,
            seed=args.seed,
        )

    def predict(self, model, inputs, args):
        images = model.preprocess(inputs)
        maps = None
        if args.explain and model.has_attention_map:
            probabilities, maps = model.explain(images)
        else:
            probabilities = model.predict(images, verbose=0)
        results = []
        for i, (path, row) in enumerate(zip(inputs, probabilities)):
            ranked = np.argsort(-row)[: args.top_k]
            result = {
                "input": path,
                "label": model.labels[int(ranked[0])],
                "probability": round(float(row[ranked[0]]), 6),
                "top": [
                    {
                        "label": model.labels[int(c)],
                        "probability": round(float(row[c]), 6),
                    }
                    for c in ranked
                ],
            }
            if args.explain:
                result["attention"] = (
                    None
                    if maps is None
                    else np.round(maps[i].astype("float64"), 4).tolist()
                )
            results.append(result)
        return results

    def draw(self, model, example, attention, title, path):
        from attention_zoo.visualize import plot_image_attention

        if example.shape[-1] not in (1, 3, 4):  # shown as their mean
            example = example.mean(axis=-1)
        figure = plot_image_attention(
            example,
            attention,
            path=path,
            title=title,
            scale=model.attention_scale,
        )
        figure.clf()


APPLICATION = ImageClassifierApplication()
