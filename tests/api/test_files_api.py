"""Files over HTTP: upload a raw body, list, download; account scoping, roles, name rules.

The ``client`` fixture re-raises server exceptions, so any 500 fails the test where it happens.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from urllib.parse import quote

import pytest
from api_helpers import assert_client_error, assert_problem, assert_validation
from fastapi.testclient import TestClient

from dataconnect.bootstrap import App
from dataconnect.testing import make_account

Headers = dict[str, str]
CSV = b"cust_id,email\n1,ann@example.com\n2,bob@example.com\n"


def _auth(token: str) -> Headers:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def acme(sqlite_app: App) -> Headers:
    """A data director of Acme."""
    _, token = make_account(sqlite_app, "Acme", email="ann@example.com")
    return _auth(token)


@pytest.fixture
def globex(sqlite_app: App, acme: Headers) -> Headers:
    """A data director of another account."""
    _, token = make_account(sqlite_app, "Globex", timezone="UTC", email="bob@example.com")
    return _auth(token)


@pytest.fixture
def acme_viewer(sqlite_app: App, acme: Headers) -> Headers:
    _, token = make_account(sqlite_app, "Acme", role="viewer", email="vic@example.com")
    return _auth(token)


def _upload(
    client: TestClient, headers: Headers, name: str, data: bytes = CSV
) -> dict[str, object]:
    response = client.put(f"/api/v1/files/upload/{quote(name)}", content=data, headers=headers)
    assert response.status_code == 201, response.text[:2000]
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, object] = response.json()
    return body


def _names(client: TestClient, headers: Headers, folder: str = "upload") -> list[str]:
    response = client.get(f"/api/v1/files/{folder}", headers=headers)
    assert response.status_code == 200, response.text[:2000]
    return [item["name"] for item in response.json()["items"]]


# --- the round trip ----------------------------------------------------------------------------


def test_upload_then_list_then_download_gives_the_same_bytes(
    client: TestClient, acme: Headers
) -> None:
    created = _upload(client, acme, "customers_20260115.csv")

    assert created["name"] == "customers_20260115.csv"
    assert created["size"] == len(CSV)
    assert isinstance(created["modified_at"], str)
    assert datetime.fromisoformat(created["modified_at"]).utcoffset() is not None

    listed = client.get("/api/v1/files/upload", headers=acme)
    assert listed.status_code == 200
    assert listed.json() == {"items": [created]}

    downloaded = client.get("/api/v1/files/upload/customers_20260115.csv", headers=acme)
    assert downloaded.status_code == 200
    assert downloaded.content == CSV
    assert downloaded.headers["content-type"] == "application/octet-stream"
    assert downloaded.headers["content-length"] == str(len(CSV))
    assert downloaded.headers["content-disposition"] == (
        'attachment; filename="customers_20260115.csv"'
    )


def test_a_body_larger_than_the_json_limit_is_streamed_to_disk(
    client: TestClient, acme: Headers
) -> None:
    data = bytes(range(256)) * 12_000  # about 3 MB, above the 1 MB limit of JSON bodies

    assert _upload(client, acme, "big.bin", data)["size"] == len(data)
    assert client.get("/api/v1/files/upload/big.bin", headers=acme).content == data


def test_a_chunked_body_without_content_length(client: TestClient, acme: Headers) -> None:
    def body() -> Iterator[bytes]:
        yield b"part one,"
        yield b"part two"

    response = client.put("/api/v1/files/upload/chunked.csv", content=body(), headers=acme)

    assert response.status_code == 201, response.text
    assert response.json()["size"] == 17
    assert client.get("/api/v1/files/upload/chunked.csv", headers=acme).content == (
        b"part one,part two"
    )


def test_an_empty_file_can_be_uploaded(client: TestClient, acme: Headers) -> None:
    assert _upload(client, acme, "empty.csv", b"")["size"] == 0
    assert client.get("/api/v1/files/upload/empty.csv", headers=acme).content == b""


def test_uploading_the_same_name_replaces_the_file(client: TestClient, acme: Headers) -> None:
    _upload(client, acme, "c.csv", b"old")
    _upload(client, acme, "c.csv", b"new and longer")

    assert _names(client, acme) == ["c.csv"]
    assert client.get("/api/v1/files/upload/c.csv", headers=acme).content == b"new and longer"


def test_the_listing_is_sorted_by_name(client: TestClient, acme: Headers) -> None:
    for name in ["b.csv", "a.csv.cnt", "a.csv"]:
        _upload(client, acme, name)

    assert _names(client, acme) == ["a.csv", "a.csv.cnt", "b.csv"]
    assert _names(client, acme, "download") == []
    assert _names(client, acme, "archive") == []


def test_a_name_outside_ascii_round_trips(client: TestClient, acme: Headers) -> None:
    name = 'Kunden "Über" 2026.csv'
    _upload(client, acme, name)

    assert _names(client, acme) == [name]
    response = client.get(f"/api/v1/files/upload/{quote(name)}", headers=acme)
    assert response.status_code == 200
    assert response.content == CSV
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"Kunden __ber_ 2026.csv\"; filename*=UTF-8''" + quote(name, safe="")
    )


def test_files_the_server_writes_to_download_and_archive_can_be_fetched(
    client: TestClient, sqlite_app: App, acme: Headers
) -> None:
    account_id = sqlite_app.accounts.account_by_name("Acme").id
    with sqlite_app.file_server.writer(account_id, "download", "Daily_7_rejects.csv") as out:
        out.write(b"cust_id,REJECT_REASON\n3,EMAIL_INVALID\n")
    _upload(client, acme, "c.csv")
    archived = sqlite_app.file_server.archive(account_id, "c.csv", prefix="7")

    assert _names(client, acme, "download") == ["Daily_7_rejects.csv"]
    assert _names(client, acme, "archive") == [archived] == ["7_c.csv"]
    rejects = client.get("/api/v1/files/download/Daily_7_rejects.csv", headers=acme)
    assert rejects.content == b"cust_id,REJECT_REASON\n3,EMAIL_INVALID\n"
    assert client.get("/api/v1/files/archive/7_c.csv", headers=acme).content == CSV


def test_the_files_live_under_the_home_folder(
    client: TestClient, sqlite_app: App, acme: Headers
) -> None:
    _upload(client, acme, "c.csv")
    account_id = sqlite_app.accounts.account_by_name("Acme").id

    path = sqlite_app.settings.home / "files" / f"a{account_id}" / "upload" / "c.csv"
    assert path.read_bytes() == CSV


# --- accounts and roles --------------------------------------------------------------------------


def test_another_account_never_sees_a_file(
    client: TestClient, acme: Headers, globex: Headers
) -> None:
    _upload(client, acme, "secret.csv")

    assert _names(client, globex) == []
    response = client.get("/api/v1/files/upload/secret.csv", headers=globex)
    assert_problem(response, 404, "FILE_NOT_FOUND")
    # ... and its own file of the same name is its own
    _upload(client, globex, "secret.csv", b"globex")
    assert client.get("/api/v1/files/upload/secret.csv", headers=acme).content == CSV
    assert client.get("/api/v1/files/upload/secret.csv", headers=globex).content == b"globex"


def test_a_missing_file_is_not_found(client: TestClient, acme: Headers) -> None:
    assert_problem(client.get("/api/v1/files/upload/none.csv", headers=acme), 404, "FILE_NOT_FOUND")
    assert_problem(
        client.get("/api/v1/files/archive/none.csv", headers=acme), 404, "FILE_NOT_FOUND"
    )


def test_a_viewer_may_not_upload_but_may_list_and_download(
    client: TestClient, acme: Headers, acme_viewer: Headers
) -> None:
    _upload(client, acme, "c.csv")

    response = client.put("/api/v1/files/upload/v.csv", content=b"x", headers=acme_viewer)
    assert_problem(response, 403, "ROLE_VIEWER_READ_ONLY")
    assert _names(client, acme_viewer) == ["c.csv"]
    assert client.get("/api/v1/files/upload/c.csv", headers=acme_viewer).content == CSV


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/api/v1/files/upload/c.csv"),
        ("GET", "/api/v1/files/upload"),
        ("GET", "/api/v1/files/upload/c.csv"),
    ],
)
def test_every_files_endpoint_needs_a_token(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path, content=b"x" if method == "PUT" else None)
    assert_problem(response, 401)


# --- bad names, folders and sizes ----------------------------------------------------------------

BAD_NAMES = [
    ".hidden",
    "%2E%2E",
    "..%2Fx",
    "..%2F..%2Fmeta.db",
    "a%2Fb",
    "a/b",
    "a%5Cb",
    "a%00b",
    "tab%09name",
    "%7F",
    "x" * 300,
    "%C3%A9" * 200,  # 200 characters, 400 bytes
    "%FF%FE.csv",  # not UTF-8: would decode to U+FFFD
    "%ED%A0%80.csv",  # an encoded surrogate, not UTF-8 either
]


@pytest.mark.parametrize("raw", BAD_NAMES, ids=lambda n: n[:30])
def test_a_bad_name_is_refused_on_upload(client: TestClient, acme: Headers, raw: str) -> None:
    response = client.put(f"/api/v1/files/upload/{raw}", content=b"x", headers=acme)

    errors = assert_validation(response, "FILENAME_INVALID")
    assert errors[0]["field"] == "filename"
    assert _names(client, acme) == []


@pytest.mark.parametrize("raw", BAD_NAMES, ids=lambda n: n[:30])
def test_a_bad_name_is_refused_on_download(client: TestClient, acme: Headers, raw: str) -> None:
    response = client.get(f"/api/v1/files/upload/{raw}", headers=acme)

    assert_validation(response, "FILENAME_INVALID")


def test_the_database_files_cannot_be_reached(client: TestClient, acme: Headers) -> None:
    for raw in ["..%2F..%2F..%2Fmeta.db", "%2E%2E%2F%2E%2E%2F%2E%2E%2Fdata.db"]:
        response = client.get(f"/api/v1/files/upload/{raw}", headers=acme)
        assert_validation(response, "FILENAME_INVALID")
    response = client.get("/api/v1/files/%2E%2E/meta.db", headers=acme)
    assert_problem(response, 404, "FOLDER_NOT_FOUND")


@pytest.mark.parametrize("folder", ["nope", "uploads", "Upload", "a1", "%2E%2E", "x" * 300])
def test_an_unknown_folder_is_not_found(client: TestClient, acme: Headers, folder: str) -> None:
    assert_problem(client.get(f"/api/v1/files/{folder}", headers=acme), 404, "FOLDER_NOT_FOUND")
    response = client.get(f"/api/v1/files/{folder}/c.csv", headers=acme)
    assert_problem(response, 404, "FOLDER_NOT_FOUND")


def test_uploads_go_only_to_the_upload_folder(client: TestClient, acme: Headers) -> None:
    for folder in ["download", "archive"]:
        response = client.put(f"/api/v1/files/{folder}/c.csv", content=b"x", headers=acme)
        assert_problem(response, 405)
    assert _names(client, acme, "download") == []


def test_too_large_is_refused_and_leaves_nothing(
    client: TestClient, acme: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("dataconnect.services.files.MAX_UPLOAD_BYTES", 10)
    _upload(client, acme, "c.csv", b"old")

    def body() -> Iterator[bytes]:  # no Content-Length: refused while streaming
        yield b"123456"
        yield b"7890X"

    for content in [b"12345678901", body()]:
        response = client.put("/api/v1/files/upload/c.csv", content=content, headers=acme)
        errors = assert_validation(response, "FILE_TOO_LARGE")
        assert errors[0]["field"] == "file"

    assert _names(client, acme) == ["c.csv"]
    assert client.get("/api/v1/files/upload/c.csv", headers=acme).content == b"old"


def test_a_declared_length_above_the_limit_is_refused_up_front(
    client: TestClient, acme: Headers
) -> None:
    response = client.put(
        "/api/v1/files/upload/huge.csv",
        content=b"x",
        headers={**acme, "Content-Length": str(3 * 1024**3)},
    )

    assert_validation(response, "FILE_TOO_LARGE")
    assert _names(client, acme) == []


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/api/v1/files/upload/"),
        ("GET", "/api/v1/files/upload/"),
        ("GET", "/api/v1/files/"),
        ("GET", "/api/v1/files/upload/%FF"),
        ("GET", "/api/v1/files/%00"),
        ("GET", "/api/v1/files/%00/x"),
        ("POST", "/api/v1/files/upload/c.csv"),
        ("DELETE", "/api/v1/files/upload/c.csv"),
        ("GET", "/api/v1/files/upload/" + "a" * 5000),
    ],
)
def test_odd_requests_are_client_errors_never_500(
    client: TestClient, acme: Headers, method: str, path: str
) -> None:
    response = client.request(method, path, content=b"x" if method == "PUT" else None, headers=acme)
    assert_client_error(response)
