"""`python -m applications.summarizer train|evaluate|predict|export ...`

Examples (from the repository root):

    python -m applications.summarizer train --attention pointer \\
        --data ../shared/data/dialogsum/DialogSum_Data.zip --output runs/sum
    python -m applications.summarizer evaluate \\
        --model runs/sum/model.keras --data my_documents.jsonl
    python -m applications.summarizer predict --model runs/sum/model.keras \\
        --input-file dialogue.txt
"""

import sys

from applications._runner import main
from applications.summarizer.cli import APPLICATION

if __name__ == "__main__":
    sys.exit(main(APPLICATION))
