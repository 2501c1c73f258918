"""sha256 of local files (raw store, local mirror), read again only when a file's stat changed.

A quiet fetch checks every stored raw file against its manifest and every local mirror file
against the revision stored from it: ~150 MB hashed at every run, for files that almost never
change. A digest is reused while the file's stat is the one recorded when it was hashed: device,
inode, size, mtime and ctime (ns). Writing to a file changes its mtime and ctime; replacing it
changes its inode; setting its mtime back (`touch -d`, `os.utime`) changes its ctime, which no
unprivileged program can set. So an edited, truncated or replaced file is hashed again, even
with its size and mtime restored. A file changed within one clock tick of being hashed could
keep both times: a digest is recorded only for a file whose last change is older than
`RACY_NS` when hashing starts (git's "racily clean" rule). `verify=True` (`--force`) hashes
every file again.

The record is a JSON file of the data directory, one per vintage (`.cache/digests/`, see
flows/pipeline/ingest.py): a copy of the directory elsewhere has new inodes, so it starts by
hashing everything.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

from connectors.shared.files import write_json

RACY_NS = 2_000_000_000


def _stat_key(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def sha256_file(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def digest_of(path: Path, digests: Digests | None) -> str:
    """The sha256 of `path`: remembered by `digests` where given, else read now."""
    return digests.sha256(path) if digests is not None else sha256_file(path)


class Digests:
    """sha256 of files by path, remembered in the JSON file `record`."""

    def __init__(self, record: Path, *, verify: bool = False):
        self.record = record
        self.verify = verify
        self._known: dict[str, dict] = {}
        if record.is_file():
            try:
                doc = json.loads(record.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError):
                doc = {}
            # A damaged record only costs hashing again.
            self._known = doc if isinstance(doc, dict) else {}
        self._changed = False

    def sha256(self, path: Path) -> str:
        name = str(path.absolute())
        before = _stat_key(path)
        known = self._known.get(name)
        if (
            not self.verify
            and isinstance(known, dict)
            and known.get("stat") == before
            and isinstance(known.get("sha256"), str)
        ):
            return known["sha256"]
        started = time.time_ns()
        digest = sha256_file(path)
        settled = started - max(before[3], before[4]) > RACY_NS
        if settled and _stat_key(path) == before:
            self._known[name] = {"stat": before, "sha256": digest}
            self._changed = True
        elif self._known.pop(name, None) is not None:
            self._changed = True
        return digest

    def save(self) -> None:
        if self._changed:
            write_json(self.record, self._known)
            self._changed = False
