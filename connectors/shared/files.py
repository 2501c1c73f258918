"""Atomic file writes: a reader sees the previous file or the new one, never half of one.

Every writer of gpect goes through `write_with`: the content goes to `.<name>.<pid>.tmp` in the
target's own directory (a rename is atomic only within one file system), then replaces the target.
That name is the one the run lock's clean-up recognises (`_WORK_FILE` in flows/pipeline/lock.py),
so a run killed mid-write leaves nothing behind once the next run starts.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any


def temporary_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def write_with(path: Path, write: Callable[[Path], object]) -> Path:
    """`write(tmp)` writes the whole content to a temporary path, which then replaces `path`; a
    failed write removes it and leaves `path` untouched."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_path(path)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_text(path: Path, text: str) -> Path:
    return write_with(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_bytes(path: Path, payload: bytes) -> Path:
    return write_with(path, lambda tmp: tmp.write_bytes(payload))


def write_json(path: Path, payload: Any) -> Path:
    """Indented UTF-8 JSON (non-ASCII characters kept), ending with a new line."""
    return write_text(path, json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
