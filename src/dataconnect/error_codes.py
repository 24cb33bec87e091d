"""Every error code of DataConnect, once: what carries it, what it means and, where the
compatibility API renames it, the original system's code.

Raise sites keep their literals (``raise NotFound("no job with id 7", code="JOB_NOT_FOUND")``);
the registry is what the doors read — ``api/errors.py`` the status of an exception, the
compatibility API (``api/compat``) the original's names — and what
``tests/unit/test_error_codes.py`` holds the source and the docs to: every code the source
raises or reports is registered here with the kind it is raised as, every registered code is
raised somewhere (or marked ``reserved``) and documented in ``docs/``.

An exception's HTTP status is decided by its class (``EXCEPTION_KINDS``, ``KIND_STATUS``), never
by its code: one code may be raised as a Conflict and reported as a field problem, and is then
answered 409 or 422 accordingly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from dataconnect.errors import (
    BadRequest,
    Conflict,
    DataConnectError,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    ValidationFailed,
)


class Kind(StrEnum):
    """What carries a code to whoever reads it."""

    # an exception of dataconnect.errors (the value is its class's name)
    VALIDATION_FAILED = "ValidationFailed"
    NOT_FOUND = "NotFound"
    CONFLICT = "Conflict"
    PERMISSION_DENIED = "PermissionDenied"
    UNAUTHENTICATED = "Unauthenticated"
    BAD_REQUEST = "BadRequest"
    ERROR = "DataConnectError"  # the base class; never raised itself
    # a field's code in ValidationFailed.problems; a lone problem lends it to the error (422)
    PROBLEM = "problem"
    # answered by an HTTP layer itself, outside the exception tree (``Code.status``)
    HTTP = "http"
    # the original system's code, answered by the compatibility API only (``Code.status``)
    COMPAT = "compat"
    RUN_FAILURE = "run failure"  # a job run or group run ends failed with it (``error_code``)
    REJECT = "reject"  # why a row was refused: the rejects file's REJECT_REASON
    CLI = "cli"  # printed by the command line, which then exits with status 1


# The exception classes in the order the API matches them; anything else is a DataConnectError.
EXCEPTION_KINDS: Mapping[type[DataConnectError], Kind] = {
    ValidationFailed: Kind.VALIDATION_FAILED,
    NotFound: Kind.NOT_FOUND,
    Conflict: Kind.CONFLICT,
    PermissionDenied: Kind.PERMISSION_DENIED,
    Unauthenticated: Kind.UNAUTHENTICATED,
    BadRequest: Kind.BAD_REQUEST,
}

KIND_STATUS: Mapping[Kind, int] = {
    Kind.VALIDATION_FAILED: 422,
    Kind.NOT_FOUND: 404,
    Kind.CONFLICT: 409,
    Kind.PERMISSION_DENIED: 403,
    Kind.UNAUTHENTICATED: 401,
    Kind.BAD_REQUEST: 400,
    Kind.ERROR: 400,
    Kind.PROBLEM: 422,
}


def kind_of(exc: DataConnectError) -> Kind:
    return next((k for cls, k in EXCEPTION_KINDS.items() if isinstance(exc, cls)), Kind.ERROR)


def http_status(exc: DataConnectError) -> int:
    """The status ``/api/v1`` answers an exception with: its class's."""
    return KIND_STATUS[kind_of(exc)]


@dataclass(frozen=True, slots=True)
class Code:
    """One code: the kinds it is raised or reported as, and a line on what it means."""

    name: str
    kinds: tuple[Kind, ...]
    meaning: str
    compat: str | None = None  # the original's code for it, where the compatibility API renames it
    status: int | None = None  # kinds HTTP and COMPAT: the status it is answered with (None: any)
    reserved: bool = False  # registered although nothing raises it (the tests allow it)

    @property
    def statuses(self) -> frozenset[int]:
        """Every HTTP status an answer with this code can have."""
        found = {KIND_STATUS[k] for k in self.kinds if k in KIND_STATUS}
        return frozenset(found if self.status is None else found | {self.status})


def _code(
    name: str,
    kinds: Kind | tuple[Kind, ...],
    meaning: str,
    *,
    compat: str | None = None,
    status: int | None = None,
    reserved: bool = False,
) -> Code:
    kinds = kinds if isinstance(kinds, tuple) else (kinds,)
    return Code(name, kinds, meaning, compat, status, reserved)


# short names for the table below (deleted after it)
P = Kind.PROBLEM
NF = Kind.NOT_FOUND
CF = Kind.CONFLICT
UA = Kind.UNAUTHENTICATED
PD = Kind.PERMISSION_DENIED
RF = Kind.RUN_FAILURE
RJ = Kind.REJECT
HTTP = Kind.HTTP
COMPAT = Kind.COMPAT
CLI = Kind.CLI

_ALL = (
    # --- the exception classes' own codes, for a raise without code= ----------------------
    # (every raise of Conflict, PermissionDenied and BadRequest names its code: theirs are
    # reserved, as is the base class's, which is never raised)
    _code("ERROR", Kind.ERROR, "the base class's code", reserved=True),
    _code("VALIDATION_FAILED", Kind.VALIDATION_FAILED, "several problems at once (in errors)"),
    _code("NOT_FOUND", (NF, HTTP), "no such endpoint; the web UI: a bad id", status=404),
    _code("CONFLICT", CF, "a Conflict raised without a code", reserved=True),
    _code("FORBIDDEN", PD, "a PermissionDenied raised without a code", reserved=True),
    _code("UNAUTHENTICATED", (UA, HTTP), "no or unknown credentials", status=401),
    _code("BAD_REQUEST", Kind.BAD_REQUEST, "a BadRequest raised without a code", reserved=True),
    # --- the HTTP layers -------------------------------------------------------------------
    _code("BODY_INVALID", (P, HTTP, CLI), "the body is not a JSON object", status=400),
    _code("BODY_TOO_LARGE", HTTP, "a body over 1 MB (a trigger body: over 64 KiB)", status=413),
    _code("METHOD_NOT_ALLOWED", HTTP, "the path exists with another method", status=405),
    _code("HTTP_ERROR", HTTP, "any other error of the web framework, with its own status"),
    _code("INTERNAL_ERROR", (HTTP, RF), "a bug, logged; a run: it crashed", status=500),
    _code("UPLOAD_INTERRUPTED", Kind.BAD_REQUEST, "the client went away during an upload"),
    # pydantic's checks of a request, as field codes
    _code("UNKNOWN_FIELD", P, "a key that is not a known field or setting"),
    _code("FIELD_REQUIRED", P, "a required field is missing"),
    _code("JSON_INVALID", (P, CLI), "the body (or the CLI's JSON file) is not valid JSON"),
    _code("OBJECT_EXPECTED", P, "a JSON object is expected"),
    _code("LIST_EXPECTED", P, "a list is expected"),
    _code("INTEGER_EXPECTED", P, "a whole number is expected"),
    _code("BOOLEAN_EXPECTED", P, "true or false is expected"),
    _code("STRING_EXPECTED", P, "a string is expected"),
    _code("NUMBER_EXPECTED", P, "a number is expected"),
    _code("VALUE_OUT_OF_RANGE", P, "a number outside its range"),
    _code("VALUE_NOT_ALLOWED", P, "a value that is not one of the allowed ones"),
    _code("VALUE_INVALID", P, "any other value pydantic refused"),
    _code("TEXT_INVALID", P, "text with a NUL character or an unpaired surrogate"),
    # paging and lists
    _code("CURSOR_INVALID", P, "not the cursor of a previous page"),
    _code("LIMIT_INVALID", P, "limit is not 1 to 500"),
    _code("PAGE_INVALID", P, "page is not a number from 1"),
    _code("PAGE_SIZE_INVALID", P, "size is not one of the page sizes"),
    _code("SEARCH_INVALID", P, "a search text too long or with control characters"),
    # --- accounts, users, tokens and the web's sessions ------------------------------------
    _code("ACCOUNT_NOT_FOUND", NF, "no account of that name, or the caller's account is gone"),
    _code("ACCOUNT_NAME_TAKEN", CF, "an account of that name exists"),
    _code("USER_NOT_FOUND", NF, "no user with that email in the account"),
    _code("USER_EXISTS", CF, "a user with that email exists in the account"),
    _code("EMAIL_INVALID", P, "not an email address"),
    _code("PASSWORD_INVALID", P, "a password is 12 to 200 characters"),
    _code("ROLE_INVALID", (P, CLI), "not data_director or viewer (serve --role: not all or web)"),
    _code("TIMEZONE_INVALID", P, "not an IANA time zone"),
    _code("TOKEN_MISSING", UA, "no token in the Authorization header"),
    _code("TOKEN_INVALID", UA, "an unknown or revoked token"),
    _code("TOKEN_COLLISION", CF, "a new token equals an existing one; try again"),
    _code("LOGIN_FAILED", UA, "wrong account, email or password"),
    _code("SESSION_MISSING", UA, "the web UI without a session: sign in first"),
    _code("SESSION_EXPIRED", UA, "the web session ended: sign in again"),
    _code("ROLE_VIEWER_READ_ONLY", PD, "a viewer tried to change something"),
    _code("CSRF_INVALID", PD, "a web form that is out of date or not ours"),
    _code("ORIGIN_INVALID", PD, "a web POST that came from another site"),
    _code("PAGE_NOT_FOUND", NF, "no web page at that path"),
    # --- names -----------------------------------------------------------------------------
    _code("FIELD_NAME_EMPTY", P, "a field or table name is required"),
    _code("FIELD_NAME_TOO_LONG", P, "a field or table name over 30 characters"),
    _code("FIELD_NAME_INVALID_CHARACTERS", P, "a field or table name with a character not allowed"),
    _code("FIELD_NAME_MUST_START_WITH_LETTER", P, "a field or table name not led by a letter"),
    _code("FIELD_NAME_ENDS_WITH_UNDERSCORE", P, "a field or table name ending with _"),
    _code("FIELD_NAME_RESERVED", P, "a field or table name that is reserved"),
    _code("NAME_EMPTY", P, "a job, group or account name is required"),
    _code("NAME_TOO_LONG", P, "a job, group or account name over 100 characters"),
    _code("NAME_INVALID_CHARACTERS", P, "a job, group or account name with a bad character"),
    _code("DESCRIPTION_INVALID", P, "a description that is not text"),
    _code("DESCRIPTION_TOO_LONG", P, "a description over 255 characters"),
    # --- tables ----------------------------------------------------------------------------
    _code("TABLE_NOT_FOUND", NF, "no table of that name in the account"),
    _code("TABLE_NAME_TAKEN", CF, "a table of that name exists"),
    _code("TABLE_KIND_INVALID", P, "kind is not profile_list, pet or supplemental"),
    _code("FIELDS_INVALID", P, "fields is not a list of {name, type, length?}"),
    _code("FIELDS_REQUIRED", P, "a supplemental table needs fields"),
    _code("TOO_MANY_FIELDS", P, "more custom fields than a table may have"),
    _code("FIELD_NAME_DUPLICATE", P, "a field appears twice"),
    _code("FIELD_TYPE_INVALID", P, "not a field type"),
    _code("FIELD_LENGTH_INVALID", P, "a text length that is not 1 to 4000"),
    _code("FIELD_LENGTH_NOT_ALLOWED", P, "a length on a field that is not text"),
    _code("PET_LIST_REQUIRED", P, "a PET must name its profile list"),
    _code("LIST_NOT_FOUND", P, "a PET's profile list does not exist"),
    _code("LIST_NOT_ALLOWED", P, "a parent list on a table that is not a PET"),
    _code("PRIMARY_KEY_INVALID", P, "primary_key is not a list of field names"),
    _code("PRIMARY_KEY_FIELD_NOT_FOUND", P, "a primary-key field not in the table"),
    _code("PRIMARY_KEY_DUPLICATE", P, "a field twice in the primary key"),
    _code("PRIMARY_KEY_NOT_ALLOWED", P, "a primary key on a list or PET (they use RIID_)"),
    _code("PRIMARY_KEY_TOO_LONG", P, "more primary-key fields than allowed"),
    # --- files -----------------------------------------------------------------------------
    _code("FILE_NOT_FOUND", (NF, RF), "no such file; a run: no file for it in upload/"),
    _code("FOLDER_NOT_FOUND", NF, "not upload, download or archive"),
    _code("FOLDER_READ_ONLY", CF, "a file of archive/ cannot be deleted"),
    _code("FILENAME_INVALID", P, "not a plain file name"),
    _code("FILE_TOO_LARGE", P, "an upload over the size limit (2 GiB)"),
    # --- jobs ------------------------------------------------------------------------------
    _code(
        "JOB_NOT_FOUND",
        (NF, P, RF),
        "no such job in the account (a group's job_ids too); a run: its job was deleted",
        compat="CONNECT_JOB_NOT_FOUND",
    ),
    _code("JOB_NAME_TAKEN", CF, "a job of that name exists"),
    _code("JOB_TYPE_INVALID", P, "type is not import or export"),
    _code("JOB_KIND_INVALID", P, "kind is not standard or partner_integration"),
    _code("RUN_MODE_INVALID", P, "run_mode is not on_demand or scheduled"),
    _code("JOB_STATE_INVALID", P, "a state filter that is not saved, active or inactive"),
    _code("SCHEDULE_TYPE_INVALID", P, "a schedule filter that is not a schedule type"),
    _code("SCHEDULE_REQUIRED", (P, CF), "a scheduled job needs a schedule (to be activated too)"),
    _code("SCHEDULE_NOT_ALLOWED", P, "an on-demand job has no schedule"),
    _code("SETTINGS_NOT_ALLOWED", P, "export settings on an import job, or the reverse"),
    _code("IMPORT_SETTINGS_REQUIRED", P, "an import job needs import settings"),
    _code("EXPORT_SETTINGS_REQUIRED", P, "an export job needs export settings"),
    _code(
        "JOB_NOT_ACTIVE",
        CF,
        "the job is saved or inactive: it cannot run or be deactivated",
        compat="CONNECT_JOB_INACTIVE",
    ),
    _code(
        "JOB_IN_GROUP",
        (CF, P),
        "a change the job's group forbids (the job service raises the problems as a Conflict)",
    ),
    _code("JOB_RUNNING", CF, "a job with a run in progress cannot be deleted"),
    _code("EXPIRATION_INVALID", P, "expires_at is not an ISO date, a time with offset or never"),
    _code("EXPIRATION_IN_PAST", P, "expires_at is not in the future"),
    _code("EXPIRATION_TOO_FAR", P, "expires_at more than 100 years ahead"),
    _code("EXPIRATION_NEVER_NOT_ALLOWED", P, "a group always expires"),
    # import settings
    _code("TARGET_REQUIRED", P, "an import names its target table"),
    _code("TARGET_NOT_FOUND", (P, RF), "no such target table; a run: the table was deleted"),
    _code("FILE_PATTERN_REQUIRED", P, "a file name pattern is required"),
    _code("FILE_PATTERN_INVALID", P, "not a plain file name pattern, or unbalanced { }"),
    _code("FILE_PATTERN_TOKEN_UNKNOWN", P, "a {token} that is not a date token"),
    _code("FORMAT_INVALID", P, "format is not an object"),
    _code("DELIMITER_INVALID", P, "not comma, tab, semicolon or pipe"),
    _code("QUALIFIER_INVALID", P, 'qualifier is not " or none'),
    _code("HEADER_INVALID", P, "header is not true or false"),
    _code("ENCODING_INVALID", P, "not utf-8, iso-8859-1 or windows-1252"),
    _code("DATE_FORMAT_INVALID", P, "not a strftime pattern with a year"),
    _code("MAPPING_REQUIRED", P, "no file column is mapped to a field"),
    _code("MAPPING_TOO_LARGE", P, "more mapped columns than allowed"),
    _code("MAPPING_COLUMN_INVALID", P, "a bad file column (no header row: not a number from 1)"),
    _code("MAPPING_FIELD_INVALID", P, "a mapping value that is not a field name or null"),
    _code("MAPPED_FIELD_NOT_FOUND", P, "a mapped field not in the target table"),
    _code("MAPPING_DUPLICATE_FIELD", P, "two columns feed one field"),
    _code("FIELD_NOT_WRITABLE", P, "a mapped field DataConnect maintains itself"),
    _code("MATCH_INVALID", P, "match is not an object"),
    _code("MATCH_COLUMNS_INVALID", P, "match columns are not one or two different field names"),
    _code("MATCH_COLUMNS_REQUIRED", P, "a list import names one or two match columns"),
    _code("MATCH_COLUMN_NOT_ALLOWED", P, "a column that cannot be matched on"),
    _code("MATCH_COLUMN_NOT_MAPPED", P, "a match column no file column feeds"),
    _code("MATCH_COMBINATION_NOT_ALLOWED", P, "two hash keys, or an email with a hash key"),
    _code("HASH_KEY_UPDATE_ONLY", P, "matching on a hash key can only update"),
    _code("RIID_KEY_UPDATE_ONLY", P, "matching on RIID_ can only update"),
    _code("PET_MATCH_KEY_REQUIRED", P, "a PET import names a list key to find the profile"),
    _code("UPDATE_ON_MATCH_INVALID", P, "update_on_match is not replace_all or no_update"),
    _code("SUPPLEMENTAL_MODE_INVALID", P, "supplemental_mode is not merge, append or replace"),
    _code("SUPPLEMENTAL_MERGE_NEEDS_PRIMARY_KEY", P, "a merge into a table without a primary key"),
    _code("PRIMARY_KEY_NOT_MAPPED", P, "a merge with a primary-key field not mapped"),
    _code("PERMISSION_INVALID", P, "permission is not an object"),
    _code("PERMISSION_DEFAULT_INVALID", P, "the default permission is not OPTIN or OPTOUT"),
    _code("PERMISSION_VALUE_INVALID", P, "an opt-in or opt-out value of a bad length"),
    _code("PERMISSION_VALUES_EQUAL", P, "the opt-in and opt-out values are the same"),
    _code("MAX_REJECT_PERCENT_INVALID", P, "max_reject_percent is not a number from 0 to 100"),
    # export settings
    _code("SOURCE_REQUIRED", P, "an export names its source table"),
    _code("SOURCE_NOT_FOUND", (P, RF), "no such source table; a run: the table is gone"),
    _code("SOURCE_LIST_NOT_FOUND", (P, RF), "the profile list of a PET to export is gone"),
    _code("EXPORT_FIELDS_REQUIRED", P, "an empty list of fields (leave it out for all)"),
    _code("EXPORT_FIELD_UNKNOWN", P, "an exported field not in the source (nor a PET's list)"),
    _code("EXPORT_FIELD_DUPLICATE", P, "a field exported twice"),
    _code("COMPRESSION_INVALID", P, "an export's compression is not none, gzip or zip"),
    _code("PGP_KEY_NOT_FOUND", P, "encrypt_to names no PGP public key of the account"),
    _code("DESTINATION_INVALID", P, "a destination that is not null or {connection, folder}"),
    _code("CONNECTION_NOT_FOUND", P, "a destination names no connection of the account"),
    _code("DESTINATION_FOLDER_INVALID", P, "a destination folder with .. or control characters"),
    _code("EXPORT_VALUE_UNENCODABLE", RF, "a value the file's encoding cannot write"),
    _code("EXPORT_VALUE_NEEDS_QUALIFIER", RF, "a delimiter, CR or LF in a file without qualifier"),
    # --- groups ----------------------------------------------------------------------------
    _code("GROUP_NOT_FOUND", NF, "no such group in the account"),
    _code("GROUP_NAME_TAKEN", CF, "a group of that name exists"),
    _code("GROUP_STATE_INVALID", P, "a state that is not saved or active"),
    _code("JOB_IDS_INVALID", P, "job_ids is not a list of job ids"),
    _code("GROUP_TOO_FEW_JOBS", P, "an active group needs at least two jobs"),
    _code("GROUP_TOO_MANY_JOBS", P, "more than 100 jobs in a group"),
    _code("JOB_DUPLICATE_IN_GROUP", P, "a job listed twice"),
    _code("JOB_IS_EXPORT", P, "only import jobs can be grouped"),
    _code("JOB_IS_SCHEDULED", P, "a job on its own schedule cannot be grouped"),
    _code("JOB_IS_PARTNER_INTEGRATION", P, "a partner-integration job cannot be grouped"),
    _code("JOB_NOT_ACTIVATED", P, "a saved job (never activated) cannot be in an active group"),
    _code("JOB_INACTIVE", P, "an inactive job cannot be in an active group"),
    _code("JOB_IN_OTHER_GROUP", (P, CF), "the job belongs to another group"),
    _code(
        "GROUP_RUNNING",
        CF,
        "the group has a run in progress: no deleting it, changing its jobs or running a member",
        compat="CONNECT_JOB_ALREADY_RUNNING",
    ),
    _code("GROUP_EXPIRED", P, "an expired group cannot be activated"),
    _code("NOTIFICATION_INVALID", P, "notification is not an object"),
    _code("NOTIFY_WHEN_INVALID", P, "when is not success_or_failure, failure or none"),
    _code("EMAILS_INVALID", P, "emails is not a list of at most 20 addresses"),
    _code("NOTIFICATION_EMAILS_REQUIRED", P, "a notification needs recipients"),
    _code("SMTP_NOT_CONFIGURED", CF, "a test email, but no SMTP server is configured"),
    # --- schedules -------------------------------------------------------------------------
    _code("SCHEDULE_INVALID", P, "a schedule is not an object or null"),
    _code("SCHEDULE_KIND_INVALID", P, "kind is not once, daily, weekly or monthly"),
    _code("SCHEDULE_FIELD_NOT_ALLOWED", P, "a key the schedule's kind does not use"),
    _code("SCHEDULE_HOUR_INVALID", P, "hour is not 0 to 23"),
    _code("SCHEDULE_SLOT_INVALID", P, "slot is not 0 to 3"),
    _code("SCHEDULE_DATE_INVALID", P, "a once schedule's date is not YYYY-MM-DD"),
    _code("SCHEDULE_WEEKDAYS_INVALID", P, "weekdays is not a list of distinct mon … sun"),
    _code("SCHEDULE_DAY_INVALID", P, 'a monthly day that is not 1 to 28 or "last"'),
    _code("MONTHLY_DAY_NOT_ALLOWED", P, "a recurring monthly day 29 to 31"),
    _code("SLOT_ALREADY_STARTED", P, "a once schedule whose slot has begun"),
    _code("OCCURRENCE_RANGE_INVALID", P, "occurrences: from after to, or more than 366 days"),
    _code("TIME_WITHOUT_OFFSET", P, "occurrences: a from or to without its UTC offset"),
    _code("COUNT_INVALID", P, "next runs: count is not 1 to 100"),
    # --- runs ------------------------------------------------------------------------------
    _code(
        "JOB_RUN_NOT_FOUND",
        NF,
        "no such job run in the account (compat: or a run of another job)",
        compat="CONNECT_JOB_RUN_NOT_FOUND",
    ),
    _code("GROUP_RUN_NOT_FOUND", NF, "no such group run in the account"),
    _code(
        "JOB_ALREADY_RUNNING",
        (CF, RF),
        "the job has a run in progress; a group run fails with it when its step cannot start",
        compat="CONNECT_JOB_ALREADY_RUNNING",
    ),
    _code("GROUP_ALREADY_RUNNING", CF, "the group has a run queued, running or stopping"),
    _code("GROUP_NOT_ACTIVE", CF, "Run Now of a group that is only saved"),
    _code("GROUP_NOT_RUNNING", CF, "Stop of a group with no run in progress"),
    _code("RUN_ALREADY_ENDED", CF, "Stop of a run that has ended"),
    _code("JOB_RUN_IN_GROUP_RUN", CF, "Stop of a job run that is a group's step"),
    _code("JOB_TYPE_NOT_RUNNABLE", RF, "a run: no worker runs jobs of its type"),
    _code(
        "JOB_KIND_NOT_RUNNABLE",
        CF,
        "a partner-integration job cannot be triggered",
        compat="CONNECT_JOB_NOT_TRIGGERABLE",
    ),
    _code("JOB_RUN_STATE_INVALID", P, "a job run filter that is not a job run state"),
    _code("GROUP_RUN_STATE_INVALID", P, "a group run filter that is not a group run state"),
    _code("RUN_INTERRUPTED", RF, "its worker was lost three times"),
    _code("FILE_EMPTY", RF, "the file holds no records"),
    _code("FILE_UNREADABLE", (RF, CLI), "the header cannot be read; the CLI: a local file"),
    _code("MAPPED_COLUMN_MISSING", RF, "the file lacks a mapped column"),
    _code("COUNT_FILE_MISSING", RF, "no <file>.cnt beside the file"),
    _code("COUNT_FILE_INVALID", RF, "the count file does not hold a number"),
    _code("COUNT_MISMATCH", RF, "the file's record count differs from its count file"),
    _code("REJECT_LIMIT_EXCEEDED", RF, "more rows refused than max_reject_percent allows"),
    # rows refused
    _code("WRONG_COLUMN_COUNT", RJ, "more or fewer columns than the header"),
    _code("UNCLOSED_QUOTE", RJ, "a quote that never closes into a sound record"),
    _code("MALFORMED_QUOTES", RJ, "text after a closing quote, and the like"),
    _code("INVALID_ENCODING", RJ, "bytes not valid in the file's encoding"),
    _code("EMPTY_MATCH_FIELD", RJ, "a match column is empty"),
    _code("VALUE_TOO_LONG", RJ, "longer than the text field"),
    _code("INVALID_INTEGER", RJ, "not a whole number"),
    _code("INVALID_NUMBER", RJ, "not a number"),
    _code("INVALID_DATE", RJ, "not a date in the job's date_format"),
    _code("INVALID_TIMESTAMP", RJ, "not yyyy-mm-dd hh:mi:ss"),
    _code("INVALID_BOOLEAN", RJ, "not a boolean"),
    _code("INVALID_EMAIL", RJ, "not an email address"),
    _code("INVALID_MOBILE_NUMBER", RJ, "not 6 to 15 digits"),
    _code("INVALID_PERMISSION_VALUE", RJ, "neither the opt-in nor the opt-out value"),
    _code("INVALID_EMAIL_FORMAT", RJ, "not H, T or U"),
    _code("DUPLICATE_KEY_IN_FILE", RJ, "the key of a row this run already wrote"),
    _code("NO_MATCHING_PROFILE", RJ, "a PET row whose list key finds no profile"),
    _code("NO_MATCHING_RECORD", RJ, "no match, and insert_on_no_match is false"),
    _code("KEY_EXISTS", RJ, "a supplemental append of a key already in the table"),
    # --- the original system's codes (compatibility API) -----------------------------------
    _code("INVALID_PARAMETER", COMPAT, "a bad id, body, date or JSON; any input error", status=400),
    _code("UNAUTHORIZED", COMPAT, "no token, or an unknown or revoked one", status=401),
    _code("CONNECT_DISABLED_FOR_USER", COMPAT, "a viewer tried to trigger", status=401),
    _code("CONNECT_JOB_INACTIVE", COMPAT, "the job is saved or deactivated", status=400),
    _code("CONNECT_JOB_NOT_TRIGGERABLE", COMPAT, "an export or partner job", status=400),
    _code("CONNECT_JOB_ALREADY_RUNNING", COMPAT, "the job or its group is running", status=400),
    _code("CONNECT_JOB_NOT_FOUND", COMPAT, "no such job in the account", status=404),
    _code("CONNECT_JOB_RUN_NOT_FOUND", COMPAT, "no such run of the job", status=404),
    # --- the command line ------------------------------------------------------------------
    _code("DATABASE_NOT_CURRENT", CLI, "PostgreSQL needs `dataconnect db upgrade` first"),
    _code("FILE_UNWRITABLE", CLI, "a downloaded file cannot be written"),
    _code("SMTP_FAILED", CLI, "the test email could not be sent"),
)

del P, NF, CF, UA, PD, RF, RJ, HTTP, COMPAT, CLI

CODES: Mapping[str, Code] = {c.name: c for c in _ALL}

# The services' codes the compatibility API answers under the original's name.
COMPAT_NAMES: Mapping[str, str] = {c.name: c.compat for c in _ALL if c.compat is not None}


def compat_code(code: str) -> str:
    """The original system's code for one of ours; ours when the original has no name for it."""
    return COMPAT_NAMES.get(code, code)
