"""What an export writes: file names, quoting that our own reader undoes, failures."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dataconnect.domain.exports import ExportFailure, output_names, ready_line
from dataconnect.domain.formats import FileFormat, file_pattern_problem, resolve_file_pattern
from dataconnect.domain.job_settings import ExportCompression
from dataconnect.domain.tables import FieldDef, FieldType
from dataconnect.exports.csv_out import CsvOut, ExportFailed
from dataconnect.imports.reader import RecordReader
from dataconnect.store.exports import to_char_pattern

TEXT = FieldDef(name="NOTE", type=FieldType.TEXT, length=4000)
NUMBER = FieldDef(name="N", type=FieldType.INTEGER)
DAY = FieldDef(name="D", type=FieldType.DATE)


# --- names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("compression", "data", "ready"),
    [
        (ExportCompression.NONE, "contacts_20261207.csv", "contacts_20261207.ready"),
        (ExportCompression.GZIP, "contacts_20261207.csv.gz", "contacts_20261207.csv.ready"),
        (ExportCompression.ZIP, "contacts_20261207.csv.zip", "contacts_20261207.csv.ready"),
    ],
)
def test_the_ready_and_count_files_are_named_after_the_data_file(
    compression: ExportCompression, data: str, ready: str
) -> None:
    names = output_names("contacts_20261207.csv", compression, count_file=True, ready_file=True)
    assert (names.data, names.ready) == (data, ready)
    assert names.count == ready.removesuffix(".ready") + ".cnt"
    assert names.all == (data, names.count, ready)  # the ready file last


def test_encrypted_files_end_in_gpg_and_files_without_extension_keep_their_name() -> None:
    assert output_names("a.csv", ExportCompression.GZIP, encrypted=True).data == "a.csv.gz.gpg"
    plain = output_names("contacts", ExportCompression.NONE, count_file=True, ready_file=True)
    assert (plain.data, plain.count, plain.ready) == ("contacts", "contacts.cnt", "contacts.ready")
    assert output_names("a.csv", ExportCompression.NONE).all == ("a.csv",)


def test_a_ready_file_holds_one_line_never_empty() -> None:
    assert ready_line("contacts_20261207.csv", 0) == "contacts_20261207.csv,0\n"


def test_tokens_resolve_in_the_local_time_given() -> None:
    local = datetime(2026, 12, 7, 0, 30, 5)
    assert resolve_file_pattern("c_{YYYYMMDD}_{HH24MISS}.csv", local) == "c_20261207_003005.csv"


@pytest.mark.parametrize("pattern", [".hidden.csv", ".{YYYY}.csv", "a/{YYYY}.csv", "..", "é" * 200])
def test_a_pattern_that_could_not_name_a_file_in_its_folder_is_refused(pattern: str) -> None:
    problem = file_pattern_problem(pattern, "export.file_pattern")
    assert problem is not None and problem.code == "FILE_PATTERN_INVALID"


@pytest.mark.parametrize(
    ("strftime", "to_char"),
    [
        ("%Y-%m-%d", "YYYY-MM-DD"),
        ("%d/%m/%Y", "DD/MM/YYYY"),
        ("%Y%m%d", "YYYYMMDD"),
        ("%d.%m.%y", "DD.MM.YY"),
        ("day %d of %Y", '"day "DD" of "YYYY'),
        ("%Y-%m-%d 100%%", 'YYYY-MM-DD" 100%"'),
        ("%b %d %Y", None),  # month names follow the locale: Python writes them
        ("%A", None),
    ],
)
def test_date_formats_postgresql_writes_alike(strftime: str, to_char: str | None) -> None:
    assert to_char_pattern(strftime) == to_char


# --- quoting ----------------------------------------------------------------------------------


def written(rows: list[tuple[object, ...]], fmt: FileFormat, fields: list[FieldDef]) -> bytes:
    out = io.BytesIO()
    writer = CsvOut(out, fmt, fields)
    if fmt.header:
        writer.header()
    writer.write(rows)
    return out.getvalue()


def read_back(data: bytes, fmt: FileFormat) -> tuple[list[str] | None, list[list[str]]]:
    """What the import's reader makes of a file: its header and its records' fields."""
    reader = RecordReader(io.BytesIO(data), fmt)
    records = list(reader)
    assert all(r.fields is not None for r in records), [r.reason for r in records]
    return reader.header, [r.fields for r in records if r.fields is not None]


def test_values_with_the_delimiter_the_qualifier_cr_or_lf_are_quoted() -> None:
    rows = [("a,b",), ('say "hi"',), ("line\nbreak",), ("cr\ronly",), ("crlf\r\n",), ("plain",)]
    data = written(rows, FileFormat(), [TEXT])
    assert data == (b'NOTE\n"a,b"\n"say ""hi"""\n"line\nbreak"\n"cr\ronly"\n"crlf\r\n"\nplain\n')


def test_without_a_qualifier_a_value_that_needs_one_fails_naming_its_row_and_field() -> None:
    fmt = FileFormat(qualifier=None)
    assert written([("a",), ('with "quotes"',)], fmt, [TEXT]) == b'NOTE\na\nwith "quotes"\n'
    for bad in ("a,b", "cr\ronly", "lf\nonly"):
        with pytest.raises(ExportFailed) as failed:
            written([("fine",), (bad,)], fmt, [TEXT])
        assert failed.value.failure is ExportFailure.EXPORT_VALUE_NEEDS_QUALIFIER
        assert "row 2, field NOTE" in failed.value.message


def test_a_value_the_encoding_cannot_write_fails_naming_its_row_and_field() -> None:
    fmt = FileFormat(encoding="windows-1252")
    assert written([("Zürich €",)], fmt, [TEXT]) == "NOTE\nZürich €\n".encode("windows-1252")
    with pytest.raises(ExportFailed) as failed:
        written([("ok", 1), ("Kraków ☃", 2)], fmt, [TEXT, NUMBER])
    assert failed.value.failure is ExportFailure.EXPORT_VALUE_UNENCODABLE
    assert "row 2, field NOTE" in failed.value.message and "'☃'" in failed.value.message


def test_dates_are_written_in_the_files_date_format_and_nulls_as_nothing() -> None:
    fmt = FileFormat(date_format="%d/%m/%Y", header=False)
    assert written([("2026-01-02", 1), (None, None)], fmt, [DAY, NUMBER]) == b"02/01/2026,1\n,\n"


# Text an import could have stored: no NUL, no surrogate, no leading or trailing whitespace
# (imports strip every value) and not empty (an empty value is stored as nothing).
stored_text = (
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(bool)
)
formats = st.builds(
    FileFormat,
    delimiter=st.sampled_from([",", "\t", ";", "|"]),
    header=st.booleans(),
    encoding=st.just("utf-8"),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.one_of(st.none(), stored_text), stored_text), min_size=1, max_size=8),
    formats,
)
def test_every_value_reads_back_as_it_was(
    rows: list[tuple[str | None, str]], fmt: FileFormat
) -> None:
    fields = [TEXT, FieldDef(name="OTHER", type=FieldType.TEXT, length=4000)]
    header, records = read_back(written(rows, fmt, fields), fmt)
    assert header == (["NOTE", "OTHER"] if fmt.header else None)
    # The import strips every value: stored values have no outer whitespace to lose.
    assert [[v.strip() for v in r] for r in records] == [[a or "", b] for a, b in rows]
