"""The one error type the tool raises for bad input: the CLI prints it as a single line."""


class NNExplainError(Exception):
    """A problem with the user's input or environment, explained in one line."""


class DataError(NNExplainError):
    """An IDX data file or data directory that cannot be used."""


class WeightsError(NNExplainError):
    """A weights or activations file that cannot be used."""


class ImageError(NNExplainError):
    """A user's image that cannot be turned into a digit (28x28, or the network's own image size)."""
