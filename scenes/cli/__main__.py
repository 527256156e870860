"""`python -m scenes.cli` runs the nnexplain command."""

from scenes.cli.main import console

if __name__ == "__main__":
    console()
