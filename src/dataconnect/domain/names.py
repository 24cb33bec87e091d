"""Name rules for fields, tables, jobs and groups.

Field and table names end up as SQL identifiers, so they are checked here and nowhere else;
the store quotes them as well, but only names that passed these rules ever reach it.
"""

from __future__ import annotations

import re

from dataconnect.errors import Problem

FIELD_NAME_MAX = 30
JOB_NAME_MAX = 100
DESCRIPTION_MAX = 255

_FIELD_CHARS = re.compile(r"[A-Za-z0-9$#_]+")
_JOB_NAME_CHARS = re.compile(r"[A-Za-z0-9 !\-=@_\[\]{}]+")

# Single letters the original system keeps for itself.
RESERVED_LETTERS = frozenset("AEGKMPTU")

# SQL words (SQL:2016, PostgreSQL, SQLite and Oracle keywords) that may not name a field or table.
SQL_RESERVED_WORDS = frozenset(
    """
    ABORT ABSOLUTE ACCESS ACTION ADD ALL ALLOCATE ALTER ANALYSE ANALYZE AND ANY ARE ARRAY AS ASC
    ASENSITIVE ASSERTION ASYMMETRIC AT ATOMIC ATTACH AUDIT AUTHORIZATION AUTOINCREMENT AVG
    BEFORE BEGIN BETWEEN BIGINT BINARY BIT BLOB BOOLEAN BOTH BREADTH BY CALL CALLED CASCADE
    CASCADED CASE CAST CATALOG CHAR CHARACTER CHECK CLOB CLOSE CLUSTER COALESCE COLLATE
    COLLATION COLUMN COMMENT COMMIT COMPRESS CONCURRENTLY CONDITION CONFLICT CONNECT CONNECTION
    CONSTRAINT CONSTRAINTS CONSTRUCTOR CONTINUE CONVERT CORRESPONDING COUNT CREATE CROSS CUBE
    CURRENT CURRENT_DATE CURRENT_ROLE CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER CURSOR CYCLE
    DATA DATABASE DATE DAY DEALLOCATE DEC DECIMAL DECLARE DEFAULT DEFERRABLE DEFERRED DELETE
    DEPTH DEREF DESC DESCRIBE DESCRIPTOR DETACH DETERMINISTIC DIAGNOSTICS DISCONNECT DISTINCT DO
    DOMAIN DOUBLE DROP DYNAMIC EACH ELEMENT ELSE ELSIF END EQUALS ESCAPE EXCEPT EXCEPTION
    EXCLUSIVE EXEC EXECUTE EXISTS EXIT EXPLAIN EXTERNAL EXTRACT FALSE FETCH FILE FILTER FIRST
    FLOAT FOLLOWING FOR FOREIGN FOUND FREEZE FROM FULL FUNCTION GENERATED GET GLOBAL GLOB GO
    GOTO GRANT GROUP GROUPING GROUPS HANDLER HAVING HOLD HOUR ID IDENTIFIED IDENTITY IF IGNORE
    ILIKE IMMEDIATE IMMEDIATELY IN INCREMENT INDEX INDEXED INDICATOR INITIAL INITIALLY INNER
    INOUT INPUT INSENSITIVE INSERT INSTEAD INT INTEGER INTERSECT INTERVAL INTO IS ISNULL
    ISOLATION JOIN KEY LANGUAGE LARGE LAST LATERAL LEADING LEFT LEVEL LIKE LIMIT LOCAL LOCALTIME
    LOCALTIMESTAMP LOCATOR LOCK LONG LOOP MATCH MAX MAXEXTENTS MIN MINUS MINUTE MLSLABEL MODE
    MODIFIES MODIFY MODULE MONTH NAMES NATIONAL NATURAL NCHAR NCLOB NEW NEXT NO NOAUDIT
    NOCOMPRESS NONE NOT NOTHING NOTNULL NOWAIT NULL NULLIF NULLS NUMBER NUMERIC OBJECT OF OFF
    OFFLINE OFFSET OLD ON ONLINE ONLY OPEN OPTION OR ORDER ORDINALITY OTHERS OUT OUTER OUTPUT
    OVER OVERLAPS PAD PARAMETER PARTIAL PARTITION PATH PCTFREE PLACING PLAN POSITION PRAGMA
    PRECEDING PRECISION PREPARE PRESERVE PRIMARY PRIOR PRIVILEGES PROCEDURE PUBLIC QUERY RAISE
    RANGE RAW READ READS REAL RECURSIVE REF REFERENCES REFERENCING REGEXP REINDEX RELATIVE
    RELEASE RENAME REPEAT REPLACE RESIGNAL RESOURCE RESTRICT RESULT RETURN RETURNING RETURNS
    REVOKE RIGHT ROLE ROLLBACK ROLLUP ROUTINE ROW ROWID ROWNUM ROWS SAVEPOINT SCHEMA SCOPE
    SCROLL SEARCH SECOND SECTION SELECT SENSITIVE SESSION SESSION_USER SET SETS SHARE SIGNAL
    SIMILAR SIZE SMALLINT SOME SPACE SPECIFIC SQL SQLCODE SQLERROR SQLEXCEPTION SQLSTATE
    SQLWARNING START STATE STATIC SUCCESSFUL SUM SYMMETRIC SYNONYM SYSDATE SYSTEM SYSTEM_USER
    TABLE TABLESAMPLE TEMP TEMPORARY THEN TIES TIME TIMESTAMP TIMEZONE_HOUR TIMEZONE_MINUTE TO
    TRAILING TRANSACTION TRANSLATION TREAT TRIGGER TRUE TRUNCATE UID UNBOUNDED UNDER UNDO UNION
    UNIQUE UNKNOWN UNNEST UNTIL UPDATE USAGE USER USING VACUUM VALIDATE VALUE VALUES VARCHAR
    VARCHAR2 VARIADIC VARYING VERBOSE VIEW VIRTUAL WHEN WHENEVER WHERE WHILE WINDOW WITH WITHIN
    WITHOUT WORK WRITE YEAR ZONE
    """.split()
)


def field_name_problem(name: object, field: str = "name") -> Problem | None:
    """The problem with a field or table name, or ``None`` when it follows every rule."""
    if not isinstance(name, str) or not name:
        return Problem(field, "FIELD_NAME_EMPTY", "a name is required")
    if len(name) > FIELD_NAME_MAX:
        return Problem(
            field, "FIELD_NAME_TOO_LONG", f"at most {FIELD_NAME_MAX} characters, got {len(name)}"
        )
    if not _FIELD_CHARS.fullmatch(name):
        return Problem(
            field, "FIELD_NAME_INVALID_CHARACTERS", "only A-Z, a-z, 0-9, $, # and _ are allowed"
        )
    if not name[0].isalpha():
        return Problem(field, "FIELD_NAME_MUST_START_WITH_LETTER", "must start with a letter")
    if name.endswith("_"):
        return Problem(
            field, "FIELD_NAME_ENDS_WITH_UNDERSCORE", "must not end with _ (kept for system fields)"
        )
    upper = name.upper()
    if upper in RESERVED_LETTERS or upper in SQL_RESERVED_WORDS:
        return Problem(field, "FIELD_NAME_RESERVED", f"{upper} is a reserved word")
    return None


def canonical_field_name(name: str) -> str:
    """Field names are case-insensitive; they are kept and compared in upper case."""
    return name.upper()


def job_name_problem(name: object, field: str = "name") -> Problem | None:
    """Rules shared by job and group names."""
    if not isinstance(name, str) or not name.strip():
        return Problem(field, "NAME_EMPTY", "a name is required")
    if len(name) > JOB_NAME_MAX:
        return Problem(
            field, "NAME_TOO_LONG", f"at most {JOB_NAME_MAX} characters, got {len(name)}"
        )
    if not _JOB_NAME_CHARS.fullmatch(name):
        return Problem(
            field,
            "NAME_INVALID_CHARACTERS",
            "only letters, digits, spaces and ! - = @ _ [ ] { } are allowed",
        )
    return None


def description_problem(text: object, field: str = "description") -> Problem | None:
    if not isinstance(text, str):
        return Problem(field, "DESCRIPTION_INVALID", "must be text")
    if len(text) > DESCRIPTION_MAX:
        return Problem(
            field, "DESCRIPTION_TOO_LONG", f"at most {DESCRIPTION_MAX} characters, got {len(text)}"
        )
    return None
