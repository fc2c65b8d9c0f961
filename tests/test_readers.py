from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import write

from bullseye.errors import InputFileError
from bullseye.ingest import readers
from bullseye.ingest.readers import detect_format, normalise_header, open_reader


def _rows(path):
    reader = open_reader(path)
    records, lines, rejects = [], [], []
    for batch in reader.batches():
        columns = [batch.columns[h].to_pylist() for h in reader.header]
        records.extend(zip(*columns))
        lines.extend(batch.lines.to_pylist())
        rejects.extend(batch.rejects)
    return reader, records, lines, rejects


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_any_delimiter_is_detected(tmp_path, delimiter):
    path = write(
        tmp_path / "a.csv",
        delimiter.join(["id", "name", "city"]) + "\n" + delimiter.join(["1", "Acme", "Recife"]) + "\n",
    )
    reader, records, _, _ = _rows(path)
    assert reader.delimiter == delimiter
    assert records == [("1", "Acme", "Recife")]


@pytest.mark.parametrize(
    "encoding,text",
    [("utf-8", "São Paulo"), ("latin-1", "São Paulo"), ("cp1252", "“Rota” €"), ("utf-8-sig", "Niterói")],
)
def test_encodings(tmp_path, encoding, text):
    path = write(tmp_path / "a.csv", f"id,city\n1,{text}\n", encoding=encoding)
    _, records, _, _ = _rows(path)
    assert records == [("1", text)]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_ends_and_exact_line_numbers_with_multiline_fields(tmp_path, newline):
    text = 'id,note\n1,"first\nsecond"\n\n2,plain\n3,"a ""quoted"" word"\n'
    path = write(tmp_path / "a.csv", text, newline=newline)
    _, records, lines, rejects = _rows(path)
    assert [r[0] for r in records] == ["1", "2", "3"]
    assert records[2][1] == 'a "quoted" word'
    assert lines == [2, 5, 6]  # the multi-line record starts on line 2; a blank line is skipped
    assert rejects == []


def test_wrong_field_counts_are_rejected_with_their_line(tmp_path):
    path = write(tmp_path / "a.csv", "id,name,city\n1,a,x\n2,b\n3,c,y,extra\n4,d,z,,\n5,e")
    _, records, lines, rejects = _rows(path)
    assert [r[0] for r in records] == ["1", "4"]  # trailing empty fields are tolerated
    assert [(r.line, r.reason.split(" (")[0]) for r in rejects] == [
        (3, "expected 3 fields, found 2"),
        (4, "expected 3 fields, found 4"),
        (6, "expected 3 fields, found 2"),
    ]
    assert "truncated" in rejects[-1].reason and rejects[-1].record == "5,e"


def test_batches_stream_and_keep_line_numbers(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "BATCH_ROWS", 7)
    path = write(tmp_path / "a.csv", "id\n" + "".join(f"{i}\n" for i in range(50)))
    batches = list(open_reader(path).batches())
    assert len(batches) == 8 and max(len(b.lines) for b in batches) == 7
    assert [line for b in batches for line in b.lines.to_pylist()] == list(range(2, 52))


def test_parquet_and_excel(tmp_path):
    table = pa.table({"Account ID": ["a", "b"], "Employees": [10, None], "Tags": [["x", "y"], []]})
    pq.write_table(table, tmp_path / "a.parquet")
    reader, records, lines, _ = _rows(tmp_path / "a.parquet")
    assert reader.header == ["account_id", "employees", "tags"]
    assert records == [("a", "10", "x; y"), ("b", None, "")]
    assert lines == [1, 2]

    import datetime

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Account ID", "Created", "Amount"])
    sheet.append(["a", datetime.datetime(2024, 3, 1), 1200.0])
    sheet.append([None, None, None])
    sheet.append(["b", None, 3.5])
    book.save(tmp_path / "a.xlsx")
    _, records, lines, _ = _rows(tmp_path / "a.xlsx")
    assert records == [("a", "2024-03-01", "1200"), ("b", "", "3.5")]
    assert lines == [2, 4]


def test_bad_files_get_clear_errors(tmp_path):
    with pytest.raises(InputFileError, match="empty"):
        detect_format(write(tmp_path / "empty.csv", ""))
    binary = tmp_path / "blob.csv"
    binary.write_bytes(b"\x00\x01\x02binary\x00" * 20)
    with pytest.raises(InputFileError, match="binary"):
        detect_format(binary)
    fake = tmp_path / "deals.csv"
    fake.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(InputFileError, match="name says CSV but the content is EXCEL"):
        detect_format(fake)
    with pytest.raises(InputFileError, match="not found"):
        detect_format(tmp_path / "missing.csv")


def test_header_normalisation():
    assert normalise_header(" REVENUE ") == "revenue"
    assert normalise_header("Número de Funcionários") == "numero_de_funcionarios"
    assert normalise_header("Country/Region") == "country_region"


@pytest.mark.parametrize(
    "text,encoding,expected",
    [
        ("MiaSolé,Condé Nast,Bogotá,Jake’s,Telefónica", "mac_roman", "mac_roman"),  # old-Mac exports (Crunchbase 2013)
        ("Fábrica de Móveis,São Paulo,Müller", "cp1252", "cp1252"),
        ("“Rota” €,ÉCOLE,naïve", "cp1252", "cp1252"),
    ],
)
def test_mac_roman_is_told_from_cp1252_by_how_the_accents_read(tmp_path, text, encoding, expected):
    fields = text.split(",")
    path = write(
        tmp_path / "a.csv", ",".join("abcde"[: len(fields)]) + "\n" + text + "\n", encoding=encoding, newline="\r"
    )
    reader, records, lines, _ = _rows(path)
    assert reader.encoding == expected
    assert list(records[0]) == fields and lines == [2]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize(
    "text", ["id,city\n1,São Paulo\n2,東京\n", "id;note\n" + "".join(f"{i};línea {i}\n" for i in range(3000))]
)
def test_utf16_without_a_bom_is_detected_not_refused_as_binary(tmp_path, encoding, text):
    # The issue: UTF-16 without BOM was refused as binary.
    path = write(tmp_path / "a.csv", text, encoding=encoding)
    assert detect_format(path) == "csv"
    reader, records, lines, rejects = _rows(path)
    assert reader.encoding == encoding and rejects == []
    expected = [tuple(line.split(reader.delimiter)) for line in text.splitlines()[1:]]
    assert records == expected and lines == list(range(2, len(expected) + 2))


def test_binary_with_zero_bytes_on_both_sides_is_still_refused(tmp_path):
    blob = tmp_path / "blob.csv"
    blob.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(InputFileError, match="binary"):
        detect_format(blob)


@pytest.mark.parametrize("shape", ["long names", "many columns"])
def test_a_header_longer_than_the_sniffing_sample_is_read_whole(tmp_path, shape):
    # The issue: a header longer than the 1 MiB sample was cut and every row quarantined.
    if shape == "long names":
        names = ["id", "n" * (readers.SAMPLE_BYTES + 10), "city"]
    else:
        names = [f"column {i} " + "x" * 800 for i in range(1_500)]  # wide, and long names (CRM labels)
    path = write(tmp_path / "a.csv", ",".join(names) + "\n" + ",".join(str(i) for i in range(len(names))) + "\n")
    reader, records, lines, rejects = _rows(path)
    assert len(reader.header) == len(names) and reader.raw_header[-1] == names[-1]
    assert rejects == [] and lines == [2] and records[0][-1] == str(len(names) - 1)
    assert reader.ledger.lines == reader.ledger.accounted == 2
