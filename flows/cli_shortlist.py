"""`gpect shortlist`: the jury's ranked shortlist of candidate towns."""

from flows.cli import app  # noqa: F401
