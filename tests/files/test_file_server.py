"""The file server on a temporary folder: name rules, atomic writes, listing, archive, cleanup."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import pytest

from dataconnect.errors import NotFound, ValidationFailed
from dataconnect.files import FileInfo, FileServer, StoredFile
from dataconnect.files.server import NAME_MAX, TEMP_PREFIX

A = 1


@pytest.fixture
def fs(tmp_path: Path) -> FileServer:
    return FileServer(tmp_path / "files")


def _folder(fs: FileServer, folder: str = "upload", account: int = A) -> Path:
    return fs.root / f"a{account}" / folder


def _everything(fs: FileServer) -> list[str]:
    """Every file under the root, temporary ones included, relative to it."""
    return sorted(str(p.relative_to(fs.root)) for p in fs.root.rglob("*") if p.is_file())


def _read(fs: FileServer, folder: str, name: str) -> bytes:
    with fs.open_read(A, folder, name) as f:
        return f.read()


def _put(fs: FileServer, name: str, data: bytes, folder: str = "upload") -> FileInfo:
    return fs.put(A, folder, name, [data], max_bytes=1_000_000)


# --- names and folders -------------------------------------------------------------------------

BAD_NAMES = [
    "",
    ".",
    "..",
    "../x",
    "../../etc/passwd",
    "a/b",
    "/abs",
    "a\\b",
    "..\\x",
    ".hidden",
    ".tmp-abc",
    "a\x00b",
    "\x00",
    "tab\there",
    "new\nline",
    "cr\r",
    "del\x7f",
    "c1\x85",
    "x" * 300,
    "x" * (NAME_MAX + 1),
    "é" * 200,  # 200 characters, 400 bytes in UTF-8
    "lone\ud800surrogate",
    "mangled\ufffd.csv",
]


@pytest.mark.parametrize("name", BAD_NAMES, ids=lambda n: repr(n)[:40])
def test_a_name_that_is_not_a_plain_file_name_is_refused(fs: FileServer, name: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        fs.path(A, "upload", name)
    assert caught.value.code == "FILENAME_INVALID"
    assert [p.field for p in caught.value.problems] == ["filename"]


@pytest.mark.parametrize("name", BAD_NAMES, ids=lambda n: repr(n)[:40])
def test_every_operation_refuses_a_bad_name_and_writes_nothing(fs: FileServer, name: str) -> None:
    for operation in (
        lambda: _put(fs, name, b"data"),
        lambda: fs.open_read(A, "upload", name),
        lambda: fs.size(A, "upload", name),
        lambda: fs.delete(A, "upload", name),
        lambda: fs.archive(A, name, prefix="7"),
        lambda: fs.writer(A, "download", name).__enter__(),
    ):
        with pytest.raises(ValidationFailed) as caught:
            operation()
        assert caught.value.code == "FILENAME_INVALID"
    assert fs.exists(A, "upload", name) is False
    assert not fs.root.exists() or _everything(fs) == []


@pytest.mark.parametrize(
    "name",
    [
        "customers_20260115.csv",
        "with space.csv",
        "a..b",
        "trailing.",
        "über-kunden.csv",
        "x" * NAME_MAX,
        "ü" * 127,  # 254 bytes
        "(1) [copy] {x} #$&'!.csv",
    ],
)
def test_a_plain_name_is_accepted_and_stays_in_its_folder(fs: FileServer, name: str) -> None:
    path = fs.path(A, "upload", name)

    assert path == _folder(fs) / name
    info = _put(fs, name, b"1,2\n")
    assert info.name == name
    assert _read(fs, "upload", name) == b"1,2\n"


@pytest.mark.parametrize("folder", ["uploads", "Upload", "", "..", "../upload", "a1", "tmp"])
def test_an_unknown_folder_is_not_found(fs: FileServer, folder: str) -> None:
    for operation in (
        lambda: fs.path(A, folder, "x.csv"),
        lambda: fs.list(A, folder),
        lambda: fs.open_read(A, folder, "x.csv"),
        lambda: fs.exists(A, folder, "x.csv"),
        lambda: _put(fs, "x.csv", b"1", folder=folder),
    ):
        with pytest.raises(NotFound) as caught:
            operation()
        assert caught.value.code == "FOLDER_NOT_FOUND"
    assert not fs.root.exists()


def test_the_folders_are_per_account(fs: FileServer) -> None:
    assert fs.path(7, "archive", "x.csv") == fs.root / "a7" / "archive" / "x.csv"
    fs.put(7, "upload", "x.csv", [b"seven"], max_bytes=100)

    assert fs.exists(7, "upload", "x.csv")
    assert not fs.exists(8, "upload", "x.csv")
    assert fs.list(8, "upload") == []
    with pytest.raises(NotFound):
        fs.open_read(8, "upload", "x.csv")


@pytest.mark.parametrize("account", [0, -1, True])
def test_an_account_id_is_a_positive_integer(fs: FileServer, account: int) -> None:
    with pytest.raises(ValueError):
        fs.path(account, "upload", "x.csv")


def test_a_symbolic_link_leading_out_of_the_folder_is_refused(
    fs: FileServer, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    _folder(fs).mkdir(parents=True)
    (_folder(fs) / "link.csv").symlink_to(secret)

    with pytest.raises(ValidationFailed) as caught:
        fs.open_read(A, "upload", "link.csv")
    assert caught.value.code == "FILENAME_INVALID"
    assert fs.exists(A, "upload", "link.csv") is False
    assert [f.name for f in fs.list(A, "upload")] == []


# --- put -------------------------------------------------------------------------------------


def test_put_stores_the_chunks_and_describes_the_file(fs: FileServer) -> None:
    info = fs.put(A, "upload", "c.csv", [b"a,b\n", b"", b"1,2\n"], max_bytes=100)

    assert info == FileInfo(name="c.csv", size=8, modified_at=info.modified_at)
    assert info.modified_at.tzinfo is UTC
    assert (_folder(fs) / "c.csv").read_bytes() == b"a,b\n1,2\n"
    assert fs.size(A, "upload", "c.csv") == 8
    assert fs.list(A, "upload") == [info]


def test_put_replaces_a_file_of_the_same_name(fs: FileServer) -> None:
    _put(fs, "c.csv", b"old")
    _put(fs, "c.csv", b"brand new")

    assert _read(fs, "upload", "c.csv") == b"brand new"
    assert _everything(fs) == ["a1/upload/c.csv"]


def test_an_empty_file_is_a_file(fs: FileServer) -> None:
    info = fs.put(A, "upload", "empty.csv", [], max_bytes=0)

    assert info.size == 0
    assert fs.exists(A, "upload", "empty.csv")


def test_put_is_atomic_a_reader_sees_the_old_file_until_the_new_one_is_whole(
    fs: FileServer,
) -> None:
    _put(fs, "c.csv", b"old")
    seen: list[object] = []

    def chunks() -> Iterator[bytes]:
        yield b"new part 1;"
        # halfway: the old file is intact, the partial one is a hidden temporary file
        seen.append(_read(fs, "upload", "c.csv"))
        seen.append([f.name for f in fs.list(A, "upload")])
        seen.append(sorted(p.name[: len(TEMP_PREFIX)] for p in _folder(fs).iterdir()))
        yield b"new part 2"

    fs.put(A, "upload", "c.csv", chunks(), max_bytes=100)

    assert seen == [b"old", ["c.csv"], [TEMP_PREFIX, "c.csv"]]
    assert _read(fs, "upload", "c.csv") == b"new part 1;new part 2"
    assert _everything(fs) == ["a1/upload/c.csv"]


def test_a_new_file_is_absent_until_it_is_whole(fs: FileServer) -> None:
    seen: list[bool] = []

    def chunks() -> Iterator[bytes]:
        yield b"part"
        seen.append(fs.exists(A, "upload", "new.csv"))
        yield b"rest"

    fs.put(A, "upload", "new.csv", chunks(), max_bytes=100)

    assert seen == [False]
    assert fs.exists(A, "upload", "new.csv")


def test_too_large_is_refused_and_leaves_nothing_behind(fs: FileServer) -> None:
    with pytest.raises(ValidationFailed) as caught:
        fs.put(A, "upload", "big.csv", [b"12345", b"67890", b"X"], max_bytes=10)

    assert caught.value.code == "FILE_TOO_LARGE"
    assert _everything(fs) == []


def test_exactly_max_bytes_is_fine(fs: FileServer) -> None:
    assert fs.put(A, "upload", "ok.csv", [b"12345", b"67890"], max_bytes=10).size == 10


def test_too_large_keeps_the_previous_file_of_that_name(fs: FileServer) -> None:
    _put(fs, "c.csv", b"keep me")

    with pytest.raises(ValidationFailed):
        fs.put(A, "upload", "c.csv", [b"x" * 11], max_bytes=10)

    assert _read(fs, "upload", "c.csv") == b"keep me"
    assert _everything(fs) == ["a1/upload/c.csv"]


def test_a_failing_source_leaves_nothing_behind(fs: FileServer) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"some"
        raise ConnectionError("client went away")

    with pytest.raises(ConnectionError):
        fs.put(A, "upload", "c.csv", chunks(), max_bytes=100)

    assert _everything(fs) == []


def test_a_bad_name_is_refused_before_a_single_chunk_is_read(fs: FileServer) -> None:
    def chunks() -> Iterator[bytes]:
        raise AssertionError("the body was read")
        yield b""  # pragma: no cover

    with pytest.raises(ValidationFailed):
        fs.put(A, "upload", "../x", chunks(), max_bytes=100)


# --- list, open, size, delete ------------------------------------------------------------------


def test_list_is_sorted_by_name_and_shows_only_files(fs: FileServer) -> None:
    for name in ["b.csv", "a.csv", "C.csv", "a.csv.cnt"]:
        _put(fs, name, name.encode())
    folder = _folder(fs)
    (folder / f"{TEMP_PREFIX}leftover").write_bytes(b"half")
    (folder / ".DS_Store").write_bytes(b"")
    (folder / "subfolder").mkdir()

    listed = fs.list(A, "upload")

    assert [f.name for f in listed] == ["C.csv", "a.csv", "a.csv.cnt", "b.csv"]
    assert [f.size for f in listed] == [5, 5, 9, 5]
    assert all(f.modified_at.tzinfo is UTC for f in listed)


def test_a_folder_never_written_to_lists_empty(fs: FileServer) -> None:
    assert fs.list(A, "download") == []
    assert fs.list(A, "archive") == []
    assert not fs.root.exists()


def test_open_read_size_and_exists_of_a_missing_file(fs: FileServer) -> None:
    for operation in (
        lambda: fs.open_read(A, "upload", "missing.csv"),
        lambda: fs.size(A, "upload", "missing.csv"),
    ):
        with pytest.raises(NotFound) as caught:
            operation()
        assert caught.value.code == "FILE_NOT_FOUND"
    assert fs.exists(A, "upload", "missing.csv") is False


def test_a_folder_is_not_a_file(fs: FileServer) -> None:
    (_folder(fs) / "dir.csv").mkdir(parents=True)

    assert fs.exists(A, "upload", "dir.csv") is False
    with pytest.raises(NotFound):
        fs.open_read(A, "upload", "dir.csv")
    with pytest.raises(NotFound):
        fs.size(A, "upload", "dir.csv")


def test_delete_removes_and_a_missing_file_is_fine(fs: FileServer) -> None:
    _put(fs, "c.csv", b"x")

    fs.delete(A, "upload", "c.csv")
    fs.delete(A, "upload", "c.csv")
    fs.delete(A, "archive", "never.csv")

    assert fs.list(A, "upload") == []


# --- archive ---------------------------------------------------------------------------------


def test_archive_copies_the_upload_under_a_prefixed_name(fs: FileServer) -> None:
    _put(fs, "customers_20260115.csv", b"id\n1\n")

    archived = fs.archive(A, "customers_20260115.csv", prefix="42")

    assert archived == "42_customers_20260115.csv"
    assert _read(fs, "archive", archived) == b"id\n1\n"
    assert _read(fs, "upload", "customers_20260115.csv") == b"id\n1\n"
    assert _everything(fs) == [
        "a1/archive/42_customers_20260115.csv",
        "a1/upload/customers_20260115.csv",
    ]


def test_archive_with_move_renames_the_upload_into_the_archive(fs: FileServer) -> None:
    _put(fs, "customers_20260115.csv", b"id\n1\n")

    archived = fs.archive(A, "customers_20260115.csv", prefix="42", move=True)

    assert archived == "42_customers_20260115.csv"
    assert _everything(fs) == ["a1/archive/42_customers_20260115.csv"]
    assert _read(fs, "archive", archived) == b"id\n1\n"


@pytest.mark.parametrize("move", [False, True])
def test_archive_of_a_missing_file_is_not_found_and_writes_nothing(
    fs: FileServer, move: bool
) -> None:
    with pytest.raises(NotFound) as caught:
        fs.archive(A, "missing.csv", prefix="1", move=move)

    assert caught.value.code == "FILE_NOT_FOUND"
    assert fs.list(A, "archive") == []


def test_archive_twice_with_the_same_prefix_replaces(fs: FileServer) -> None:
    _put(fs, "c.csv", b"one")
    fs.archive(A, "c.csv", prefix="5")
    _put(fs, "c.csv", b"two")

    assert fs.archive(A, "c.csv", prefix="5") == "5_c.csv"
    assert _read(fs, "archive", "5_c.csv") == b"two"


def test_an_archive_name_too_long_keeps_the_end_of_the_name(fs: FileServer) -> None:
    name = "x" * 240 + "_20260115.csv"  # 253 characters
    _put(fs, name, b"1")

    archived = fs.archive(A, name, prefix="123456")

    assert len(archived) == NAME_MAX
    assert archived.startswith("123456_x")
    assert archived.endswith("_20260115.csv")
    assert fs.exists(A, "archive", archived)


@pytest.mark.parametrize("prefix", ["", "a/b", "..", ".x", "p" * 101, "nul\x00"])
def test_an_archive_prefix_is_a_short_plain_name(fs: FileServer, prefix: str) -> None:
    _put(fs, "c.csv", b"1")

    with pytest.raises(ValueError):
        fs.archive(A, "c.csv", prefix=prefix)
    assert fs.list(A, "archive") == []


# --- writer ----------------------------------------------------------------------------------


def test_writer_renames_into_place_on_success(fs: FileServer) -> None:
    with fs.writer(A, "download", "job_1_rejects.csv") as out:
        out.write(b"a,REJECT_REASON\n")
        assert fs.exists(A, "download", "job_1_rejects.csv") is False
        assert fs.list(A, "download") == []
        out.write(b"x,EMAIL_INVALID\n")

    assert _read(fs, "download", "job_1_rejects.csv") == (b"a,REJECT_REASON\nx,EMAIL_INVALID\n")
    assert _everything(fs) == ["a1/download/job_1_rejects.csv"]


def test_writer_deletes_its_file_on_an_exception(fs: FileServer) -> None:
    with pytest.raises(RuntimeError), fs.writer(A, "download", "r.csv") as out:
        out.write(b"half")
        raise RuntimeError("the run was stopped")

    assert fs.exists(A, "download", "r.csv") is False
    assert _everything(fs) == []


def test_writer_failing_keeps_the_previous_file(fs: FileServer) -> None:
    _put(fs, "r.csv", b"previous", folder="download")

    with pytest.raises(KeyboardInterrupt), fs.writer(A, "download", "r.csv") as out:
        out.write(b"half")
        raise KeyboardInterrupt

    assert _read(fs, "download", "r.csv") == b"previous"
    assert _everything(fs) == ["a1/download/r.csv"]


def test_writer_context_exited_by_hand_as_the_import_engine_does(fs: FileServer) -> None:
    kept = fs.writer(A, "download", "kept.csv")
    kept.__enter__().write(b"ok")
    kept.__exit__(None, None, None)

    dropped = fs.writer(A, "download", "dropped.csv")
    dropped.__enter__().write(b"no")
    error = RuntimeError("discard")
    assert not dropped.__exit__(RuntimeError, error, error.__traceback__)

    assert _everything(fs) == ["a1/download/kept.csv"]


def test_files_are_not_readable_by_other_users(fs: FileServer) -> None:
    _put(fs, "c.csv", b"secret")

    assert os.stat(_folder(fs) / "c.csv").st_mode & 0o077 == 0


def test_a_stored_file_names_its_place_and_its_siblings(fs: FileServer) -> None:
    stored = StoredFile(A, "upload", "c.csv")
    fs.put(*stored, [b"x"], 10)
    assert fs.exists(*stored) and str(stored) == "upload/c.csv"
    count = stored.sibling("c.csv.cnt")
    assert count == (A, "upload", "c.csv.cnt") and not fs.exists(*count)
