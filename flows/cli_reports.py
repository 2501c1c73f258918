"""`gpect report`: per-town diagnostic reports (HTML site and PDF)."""

from flows.cli import app  # noqa: F401
