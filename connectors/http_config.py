"""The network policy's settings, apart from `connectors/http.py`: the settings read them at every
command, and importing requests (~0.15 s) is left to the commands that download."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HttpConfig:
    user_agent: str = "gpect/0.1 (territorial skills-gap diagnostics; open-source pipeline)"
    connect_timeout: float = 10.0
    read_timeout: float = 120.0
    retries: int = 4
    backoff: float = 1.0
    max_bytes: int = 500 * 2**20
    # Whole transfer (headers and body) of one file, whatever the server's pace.
    deadline: float = 1800.0
    # A Retry-After longer than this is shortened to it (a server asking for an hour).
    max_retry_after: float = 120.0
    # Archives (and xlsx, which are zip containers) unpacking to more than this many times their
    # size are refused: real files stay under 15 (measured on shared/opendata), zip bombs reach
    # thousands.
    max_compression_ratio: float = 100.0
