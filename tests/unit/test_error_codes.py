"""One registry of error codes (``dataconnect.error_codes``), held to the source and the docs.

1. every code the source raises or reports is registered (an ``ast`` scan: error_code_sites.py);
2. every registered code is documented in ``docs/``, and the docs name no code that is not;
3. every registered code is raised somewhere, as each kind the registry gives it (or reserved);
4. each raise site uses a kind the registry gives its code, and the doors answer with the
   registry's statuses: ``/api/v1`` by exception class exactly as before the registry, the
   compatibility API under the original's names.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from dataconnect.api import errors as api_errors
from dataconnect.api.compat import errors as compat_errors
from dataconnect.error_codes import (
    CODES,
    COMPAT_NAMES,
    EXCEPTION_KINDS,
    KIND_STATUS,
    Code,
    Kind,
    compat_code,
    http_status,
)
from dataconnect.errors import (
    BadRequest,
    Conflict,
    DataConnectError,
    NotFound,
    PermissionDenied,
    Problem,
    Unauthenticated,
    ValidationFailed,
)

from .error_code_sites import (
    CARRIERS,
    FAILURE_ENUMS,
    PASS_THROUGH,
    TABLES,
    UNSEEN,
    Site,
    code_parameters,
    enum_members,
    scan,
    sites,
    typed_sites,
)

DOCS = Path(__file__).resolve().parents[2] / "docs"
# The HTTP layers' own answers, which give their status with the code.
HTTP_CARRIERS = {name for name, carrier in CARRIERS.items() if carrier.kind is Kind.HTTP}
HTTP_CARRIERS |= {name for name, kind in TABLES.items() if kind is Kind.HTTP}

# The statuses /api/v1 answered before the registry existed (api/errors.py's own table, with
# 400 for anything else): the truth the registry must keep.
STATUS_BEFORE = {
    ValidationFailed: 422,
    NotFound: 404,
    Conflict: 409,
    PermissionDenied: 403,
    Unauthenticated: 401,
    BadRequest: 400,
}
CLASS_OF = {kind: cls for cls, kind in EXCEPTION_KINDS.items()} | {Kind.ERROR: DataConnectError}

# Upper-case words of the docs that are not error codes.
DOC_WORDS = re.compile(r"DATACONNECT_[A-Z_]+|REJECT_REASON|RUN_ID")


def _listing(items: Iterable[object]) -> str:
    return "\n  ".join(sorted(map(str, items)))


def _doc_codes() -> dict[str, set[str]]:
    """Every `CODE` in backticks in docs/*.md → the files naming it."""
    found: dict[str, set[str]] = defaultdict(set)
    for path in sorted(DOCS.glob("*.md")):
        for word in re.findall(r"`([A-Z][A-Z0-9_]*[A-Z0-9])`", path.read_text(encoding="utf-8")):
            found[word].add(path.name)
    return found


# --- the registry itself ---------------------------------------------------------------------


def test_the_registry_lists_each_code_once_and_well_formed() -> None:
    from dataconnect import error_codes

    names = [code.name for code in error_codes._ALL]
    assert len(names) == len(set(names)), [n for n in names if names.count(n) > 1]
    for code in CODES.values():
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*[A-Z0-9]", code.name), code.name
        assert code.kinds and len(code.kinds) == len(set(code.kinds)), code
        assert code.meaning and "\n" not in code.meaning, code
        answered_itself = {Kind.HTTP, Kind.COMPAT} & set(code.kinds)
        if code.status is not None:
            assert answered_itself, f"{code.name}: a status belongs to kinds http and compat"
        elif answered_itself:
            assert code.name == "HTTP_ERROR", f"{code.name}: give the status it is answered with"


def test_the_renames_name_registered_original_codes_with_a_title() -> None:
    for ours, theirs in COMPAT_NAMES.items():
        assert Kind.COMPAT not in CODES[ours].kinds, ours
        assert Kind.COMPAT in CODES[theirs].kinds, f"{ours} → {theirs}: not an original code"
    originals = {c.name for c in CODES.values() if Kind.COMPAT in c.kinds}
    assert originals <= set(compat_errors.TITLES), originals - set(compat_errors.TITLES)
    for code in compat_errors.TITLES:
        assert {Kind.COMPAT, Kind.HTTP} & set(CODES[code].kinds), code


# --- 1. what the source raises is registered -------------------------------------------------


def test_every_code_the_source_raises_or_reports_is_registered() -> None:
    missing = [site for site in sites() if site.code not in CODES]
    assert not missing, (
        "register these in src/dataconnect/error_codes.py (or, for a literal that is no error "
        f"code, add it to NOT_CODES in tests/unit/error_code_sites.py):\n  {_listing(missing)}"
    )


def test_the_scan_knows_every_carrier_of_a_code() -> None:
    _, unknown = scan()
    assert not unknown, f"declare in tests/unit/error_code_sites.py:\n  {_listing(unknown)}"
    undeclared = code_parameters() - set(CARRIERS) - PASS_THROUGH
    assert not undeclared, f"takes a code: add to CARRIERS or PASS_THROUGH: {sorted(undeclared)}"
    members = enum_members()
    assert set(members) == set(FAILURE_ENUMS) and all(members.values()), members


def test_the_scan_finds_what_it_must() -> None:
    """A scan that finds nothing passes the other tests: check it on a few known sites."""
    found = {(s.code, s.kind, s.carrier) for s in typed_sites()}
    assert ("JOB_NOT_FOUND", Kind.NOT_FOUND, "NotFound") in found  # code= of an exception
    assert ("FIELD_NAME_EMPTY", Kind.PROBLEM, "Problem") in found  # Problem(field, CODE, …)
    assert ("JOB_KIND_INVALID", Kind.PROBLEM, "_enum") in found  # a helper's code argument
    assert ("PET_MATCH_KEY_REQUIRED", Kind.PROBLEM, "Problem") in found  # through a variable
    assert ("RUN_INTERRUPTED", Kind.RUN_FAILURE, "RunOutcome") in found  # an imported constant
    assert ("COUNT_MISMATCH", Kind.RUN_FAILURE, "RunFailure") in found  # a failure enum
    assert ("KEY_EXISTS", Kind.REJECT, "Reject") in found
    assert ("SMTP_FAILED", Kind.CLI, "fail") in found
    assert ("INVALID_PARAMETER", Kind.HTTP, "CompatError") in found  # a module constant
    assert ("CONFLICT", Kind.CONFLICT, "Conflict.code") in found  # a class's default
    statuses = {(s.code, s.status) for s in typed_sites() if s.kind is Kind.HTTP}
    assert {("METHOD_NOT_ALLOWED", 405), ("BODY_INVALID", 400), ("VALUE_INVALID", 422)} <= statuses
    assert len(CODES) > 200 and len(list(typed_sites())) > 300


# --- 2. documented ---------------------------------------------------------------------------


def test_every_registered_code_is_documented() -> None:
    documented = _doc_codes()
    missing = sorted(name for name in CODES if name not in documented)
    assert not missing, f"document in docs/ (docs/errors.md lists the rest): {missing}"


def test_the_docs_name_no_code_that_does_not_exist() -> None:
    unknown = {
        word: names
        for word, names in _doc_codes().items()
        if "_" in word and word not in CODES and not DOC_WORDS.fullmatch(word)
    }
    assert not unknown, f"documented but not registered: {unknown}"


def test_the_docs_tables_give_the_registry_statuses() -> None:
    """A table row with one status cell (400-599) gives that status for the codes it names."""
    wrong = []
    for path in sorted(DOCS.glob("*.md")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.startswith("|"):
                continue
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            statuses = [int(cell) for cell in cells if re.fullmatch(r"[45][0-9]{2}", cell)]
            if len(statuses) != 1:
                continue
            for word in re.findall(r"`([A-Z][A-Z0-9_]*[A-Z0-9])`", line):
                if word in CODES and statuses[0] not in CODES[word].statuses:
                    wrong.append(
                        f"{path.name}: {word} {statuses[0]}, registry {CODES[word].statuses}"
                    )
    assert not wrong, "\n".join(wrong)


# --- 3. used ---------------------------------------------------------------------------------


def _evidences(site: Site, kind: Kind) -> bool:
    """Does this site raise its code as this kind?"""
    if site.kind is None or site.carrier.endswith(".code"):
        return False  # a mere literal, or a class's default that a raise without code= gives
    if site.carrier in HTTP_CARRIERS:
        if kind in (Kind.HTTP, Kind.COMPAT):
            return site.status is None or site.status == CODES[site.code].status
        return site.status is not None and KIND_STATUS.get(kind) == site.status
    return site.kind is kind


def test_every_registered_code_is_raised_as_each_of_its_kinds() -> None:
    by_code: dict[str, list[Site]] = defaultdict(list)
    for site in typed_sites():
        by_code[site.code].append(site)
    renamed_to = set(COMPAT_NAMES.values())
    unused = []
    for code in CODES.values():
        if code.reserved:
            continue
        for kind in code.kinds:
            if (code.name, kind) in UNSEEN:
                continue
            if kind is Kind.COMPAT and code.name in renamed_to:
                continue
            if not any(_evidences(site, kind) for site in by_code[code.name]):
                unused.append(f"{code.name} as {kind.value}")
    assert not unused, (
        "registered but never raised so (drop the kind or the code, or mark it reserved):"
        f"\n  {_listing(unused)}"
    )


def test_reserved_codes_are_raised_nowhere() -> None:
    raised = [s for s in typed_sites() if CODES.get(s.code, None) and CODES[s.code].reserved]
    raised = [s for s in raised if not s.carrier.endswith(".code")]
    assert not raised, f"raised, so no longer reserved:\n  {_listing(raised)}"


# --- 4. the kind at every site, and the statuses of the doors --------------------------------


def _agrees(site: Site, code: Code) -> bool:
    if site.carrier in HTTP_CARRIERS:
        if site.status is None:  # the status is the framework's own
            return bool({Kind.HTTP, Kind.COMPAT} & set(code.kinds))
        return site.status in code.statuses
    return site.kind in code.kinds


def test_each_site_raises_its_code_as_a_kind_the_registry_gives_it() -> None:
    wrong = [
        f"{site}; registry: {', '.join(k.value for k in CODES[site.code].kinds)}"
        + (f" {sorted(CODES[site.code].statuses)}" if site.carrier in HTTP_CARRIERS else "")
        for site in typed_sites()
        if site.code in CODES and not _agrees(site, CODES[site.code])
    ]
    assert not wrong, "\n".join(wrong)


def test_the_api_statuses_are_what_they_were() -> None:
    assert api_errors.STATUS == STATUS_BEFORE
    assert list(api_errors.STATUS) == list(STATUS_BEFORE)  # matched in this order
    for cls, status in STATUS_BEFORE.items():
        exc = cls(Problem("f", "X", "m")) if cls is ValidationFailed else cls("m")  # type: ignore[arg-type]
        assert http_status(exc) == status
    assert http_status(DataConnectError("m")) == 400


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    api_errors.install(app)

    @app.get("/raise/{kind}/{code}")
    def _raise(kind: str, code: str) -> None:
        raise _exception(Kind(kind), code)

    return TestClient(app)


def _exception(kind: Kind, code: str) -> DataConnectError:
    if kind in (Kind.PROBLEM, Kind.VALIDATION_FAILED):
        return ValidationFailed(Problem("field", code, "message"))
    return CLASS_OF[kind]("message", code=code)


EXCEPTION_CASES = [
    (code.name, kind)
    for code in CODES.values()
    for kind in code.kinds
    if kind in KIND_STATUS and not code.reserved
]


@pytest.mark.parametrize(("code", "kind"), EXCEPTION_CASES)
def test_the_api_answers_each_code_with_its_kinds_status(
    client: TestClient, code: str, kind: Kind
) -> None:
    response = client.get(f"/raise/{kind.value}/{code}")
    before = 422 if kind is Kind.PROBLEM else STATUS_BEFORE[CLASS_OF[kind]]
    assert response.status_code == KIND_STATUS[kind] == before
    assert response.json()["code"] == code


COMPAT_CASES = [
    (code.name, kind)
    for code in CODES.values()
    for kind in code.kinds
    if kind in (Kind.NOT_FOUND, Kind.CONFLICT)
]


@pytest.mark.parametrize(("code", "kind"), COMPAT_CASES)
def test_the_compat_api_answers_under_the_original_name(code: str, kind: Kind) -> None:
    answer = compat_errors.translate(_exception(kind, code))
    assert answer.code == compat_code(code) == COMPAT_NAMES.get(code, code)
    assert answer.status == (404 if kind is Kind.NOT_FOUND else 400)
    if code in COMPAT_NAMES:
        assert answer.status == CODES[answer.code].status


def test_the_compat_api_answers_by_class_for_tokens_roles_and_input() -> None:
    cases = {
        Unauthenticated("m", code="TOKEN_INVALID"): (401, "UNAUTHORIZED"),
        PermissionDenied("m", code="ROLE_VIEWER_READ_ONLY"): (401, "CONNECT_DISABLED_FOR_USER"),
        ValidationFailed(Problem("f", "JOB_IDS_INVALID", "m")): (400, "INVALID_PARAMETER"),
        BadRequest("m", code="UPLOAD_INTERRUPTED"): (400, "INVALID_PARAMETER"),
    }
    for exc, (status, code) in cases.items():
        answer = compat_errors.translate(exc)
        assert (answer.status, answer.code) == (status, code)
        assert CODES[code].status == status
