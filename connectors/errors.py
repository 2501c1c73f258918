"""Errors raised by the extract layer.

Every message names the dataset, the vintage, the file or URL and what to do next, so an operator
can act on it without reading code.
"""


class SourceError(Exception):
    """A dataset vintage could not be fetched or parsed; other datasets are unaffected."""

    def __init__(
        self, dataset: str, vintage: str, problem: str, *, where: str = "", hint: str = ""
    ):
        self.dataset = dataset
        self.vintage = vintage
        self.problem = problem
        self.where = where
        self.hint = hint
        parts = [f"[{dataset} {vintage}]"]
        if where:
            parts.append(f"{where}:")
        parts.append(problem)
        message = " ".join(parts)
        if hint:
            message += f" — {hint}"
        super().__init__(message)


class DownloadError(SourceError):
    """Network or HTTP failure, truncated body, size cap or checksum mismatch."""


class ParseError(SourceError):
    """The raw file does not have the layout the catalogue declares."""
