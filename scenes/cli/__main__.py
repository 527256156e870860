"""`python -m scenes.cli` runs the nnexplain command."""

import sys

from scenes.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
