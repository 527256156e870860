"""`python -m scenes.cli` runs the nnexplain command."""

import sys

from scenes.cli.main import main

sys.exit(main())
