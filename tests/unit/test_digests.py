"""The sha256 of a local file is reused only while its stat is the one recorded when it was hashed
(connectors/digests.py): any rewrite, even with size and mtime restored, is hashed again."""

from __future__ import annotations

import hashlib
import os

import pytest

from connectors import digests, rawstore


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def settled(monkeypatch):
    """Files written by a test are milliseconds old: without the racy rule they are recorded."""
    monkeypatch.setattr(digests, "RACY_NS", 0)


def reads(monkeypatch) -> list[str]:
    """Names of the files actually read from now on."""
    seen: list[str] = []
    real = digests.sha256_file

    def spy(path):
        seen.append(path.name)
        return real(path)

    monkeypatch.setattr(digests, "sha256_file", spy)
    return seen


def recorded(tmp_path, content: bytes):
    """(record, file): `content` written to a.csv, hashed once and the record saved."""
    record, data = tmp_path / "digests.json", tmp_path / "a.csv"
    data.write_bytes(content)
    first = digests.Digests(record)
    assert first.sha256(data) == sha(content)
    first.save()
    return record, data


def test_an_unchanged_file_is_not_read_again_in_a_later_run(tmp_path, settled, monkeypatch):
    record = tmp_path / ".cache" / "digests.json"
    data = tmp_path / "a.csv"
    data.write_bytes(b"a;b\n1;2\n")
    first = digests.Digests(record)
    assert first.sha256(data) == sha(b"a;b\n1;2\n")
    first.save()
    seen = reads(monkeypatch)
    assert digests.Digests(record).sha256(data) == sha(b"a;b\n1;2\n")
    assert seen == []


def test_a_file_rewritten_with_its_size_and_mtime_restored_is_hashed_again(
    tmp_path, settled, monkeypatch
):
    record, data = recorded(tmp_path, b"a;b\n1;2\n")
    stamp = data.stat()
    data.write_bytes(b"a;b\n9;2\n")
    os.utime(data, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert (data.stat().st_size, data.stat().st_mtime_ns) == (stamp.st_size, stamp.st_mtime_ns)
    seen = reads(monkeypatch)
    assert digests.Digests(record).sha256(data) == sha(b"a;b\n9;2\n")
    assert seen == ["a.csv"]


def test_a_truncated_or_replaced_file_is_hashed_again(tmp_path, settled):
    record, data = recorded(tmp_path, b"a;b\n1;2\n3;4\n")
    with data.open("r+b") as fh:
        fh.truncate(8)
    assert digests.Digests(record).sha256(data) == sha(b"a;b\n1;2\n")
    other = tmp_path / "b.csv"
    other.write_bytes(b"x;y\n5;6\n")
    other.replace(data)
    assert digests.Digests(record).sha256(data) == sha(b"x;y\n5;6\n")


def test_a_file_changed_just_before_it_was_hashed_is_not_trusted_later(tmp_path, monkeypatch):
    record, data = recorded(tmp_path, b"fresh")
    seen = reads(monkeypatch)
    digests.Digests(record).sha256(data)
    assert seen == ["a.csv"]


def test_verify_hashes_every_file_and_a_damaged_record_only_costs_hashing(
    tmp_path, settled, monkeypatch
):
    record, data = recorded(tmp_path, b"a;b\n")
    seen = reads(monkeypatch)
    assert digests.Digests(record, verify=True).sha256(data) == sha(b"a;b\n")
    record.write_text("{broken", encoding="utf-8")
    assert digests.Digests(record).sha256(data) == sha(b"a;b\n")
    assert seen == ["a.csv", "a.csv"]


def test_a_tampered_raw_file_is_not_intact_even_when_its_digest_was_recorded(tmp_path, settled):
    stored = tmp_path / "raw" / "demo" / "2024" / "abc" / "demo.csv"
    stored.parent.mkdir(parents=True)
    stored.write_bytes(b"a;b\n1;2\n")
    good = sha(b"a;b\n1;2\n")
    record = tmp_path / "digests.json"
    first = digests.Digests(record)
    assert rawstore.stored_intact(stored, good, first)
    first.save()
    stamp = stored.stat()
    stored.write_bytes(b"a;b\n1;3\n")
    os.utime(stored, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert not rawstore.stored_intact(stored, good, digests.Digests(record))
    stored.unlink()
    assert not rawstore.stored_intact(stored, good, digests.Digests(record))
