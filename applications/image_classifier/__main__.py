"""`python -m applications.image_classifier train|evaluate|predict ...`

Examples (from the repository root):

    python -m applications.image_classifier train --data fashion_mnist \\
        --attention cbam --output runs/fashion
    python -m applications.image_classifier evaluate \\
        --model runs/fashion/model.keras --data fashion_mnist
    python -m applications.image_classifier predict --explain \\
        --model runs/fashion/model.keras shirt.png
"""

import sys

from applications._runner import main
from applications.image_classifier.cli import APPLICATION

if __name__ == "__main__":
    sys.exit(main(APPLICATION))
