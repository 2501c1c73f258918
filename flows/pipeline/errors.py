"""The pipeline's errors a user can act on; each message says what failed and what to do. Kept
apart from the modules that raise them so that a door can catch them without loading DuckDB."""


class BuildError(RuntimeError):
    """The warehouse was not published; the message says which step or check failed."""


class OutputError(RuntimeError):
    """An output cannot be written for a reason the user can fix; the message says how."""
