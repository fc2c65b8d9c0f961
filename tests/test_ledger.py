"""The physical-line ledger: every line of a text file loads, is quarantined with its span, or is a
header or blank line; a runaway quote never swallows the rows after it."""

from __future__ import annotations

import csv
import io

import pytest
from conftest import write

from bullseye.ingest import records
from bullseye.ingest.ledger import SPILL_CHARS, count_physical_lines
from bullseye.ingest.readers import open_reader
from bullseye.ingest.records import Record, SetAside, read_records


def _accounts(n: int = 100) -> list[str]:
    return [f"a{i},Company {i},Recife" for i in range(1, n + 1)]


def _load(workspace, rows: list[str], header: str = "account_id,name,city", newline: str = "\n"):
    path = write(workspace.data_dir / "accounts.csv", header + "\n" + "\n".join(rows) + "\n", newline=newline)
    report = workspace.load([path])
    return report, report.files[0], workspace.table("accounts").execute(), workspace.table("quarantine").execute()


def _assert_nothing_swallowed(loaded, width_of_name: int = 20):
    """No loaded value holds a line break or the text of another record."""
    for column in ("account_id", "name", "city"):
        if column in loaded.columns:
            values = loaded[column].dropna().astype(str)
            assert not values.str.contains("\n|\r").any(), column
            assert (values.str.len() <= width_of_name).all(), column


def test_unterminated_quote_in_the_last_column_quarantines_one_line_and_loads_the_rest(workspace):
    # The issue: 100 data lines -> 10 read, 10 loaded and "reconciles: yes", one name holding 90 rows.
    rows = _accounts()
    rows[9] = 'a10,Recife,"Company 10'
    rows = [r if i == 9 else ",".join([r.split(",")[0], r.split(",")[2], r.split(",")[1]]) for i, r in enumerate(rows)]
    report, count, loaded, issues = _load(workspace, rows, header="account_id,city,name")
    assert (count.read, count.loaded, count.quarantined) == (100, 99, 1)
    assert count.lines == {"physical": 101, "header": 1, "blank": 0, "loaded": 99, "quarantined": 1}
    assert report.reconciles and count.lines_reconcile
    assert sorted(loaded.account_id) == sorted(f"a{i}" for i in range(1, 101) if i != 10)
    _assert_nothing_swallowed(loaded)
    issue = issues.iloc[0]
    assert (issue.line, issue.line_end, issue.value) == (11, 11, 'a10,Recife,"Company 10')
    assert "never closed" in issue.reason


def test_unterminated_quote_mid_record_is_quarantined_whole_not_cut(workspace):
    # The issue: the swallowed rows became one quarantined record cut at 1,000 characters.
    rows = _accounts()
    rows[9] = 'a10,"Company 10,Recife'
    rows[60] = 'a61,"Company 61",Recife'  # a later, well-formed quote closes the runaway one
    report, count, loaded, issues = _load(workspace, rows)
    assert (count.read, count.loaded, count.quarantined) == (100, 99, 1)
    assert report.reconciles and count.lines["quarantined"] == 1
    assert "a61" in set(loaded.account_id) and "Company 61" in set(loaded.name)
    _assert_nothing_swallowed(loaded)
    assert issues.value.tolist() == ['a10,"Company 10,Recife']


def test_a_runaway_quote_that_closes_cleanly_by_chance_is_set_aside_whole_with_its_span(workspace):
    # The stray quote of a later row closes the field before a delimiter: strictly valid quoting,
    # but the field's lines read as records of the file's width. Nothing is swallowed into a value.
    rows = _accounts(60)
    rows[9] = 'a10,"Screen 10,Recife'
    rows[49] = 'a50,Screen 12",Recife'
    report, count, loaded, issues = _load(workspace, rows)
    assert (count.read, count.loaded, count.quarantined) == (9 + 1 + 10, 19, 1)
    assert count.lines == {"physical": 61, "header": 1, "blank": 0, "loaded": 19, "quarantined": 41}
    assert report.reconciles
    _assert_nothing_swallowed(loaded)
    issue = issues.iloc[0]
    assert (issue.line, issue.line_end) == (11, 51) and "each read as a record" in issue.reason
    assert issue.value == "\n".join(rows[9:50])


def test_real_multiline_fields_still_load_and_their_spans_count(workspace):
    rows = ['a1,"Acme\nHQ, floor 2",Recife', "", 'a2,"Beta, Ltd",Natal', ',"no id\nover\nthree lines",X']
    report, count, loaded, issues = _load(workspace, rows, newline="\r\n")
    assert loaded.set_index("account_id").loc["a1", "name"] == "Acme\r\nHQ, floor 2"
    assert (count.read, count.loaded, count.quarantined) == (3, 2, 1)
    # 1 header + 2 lines of a1 + 1 blank + a2 + 3 lines of the record without an id
    assert count.lines == {"physical": 8, "header": 1, "blank": 1, "loaded": 3, "quarantined": 3}
    missing = issues[issues.column == "account_id"].iloc[0]
    assert (missing.line, missing.line_end) == (6, 8)


def test_long_set_aside_text_is_kept_whole_in_a_side_file(workspace):
    long_note = "x" * (SPILL_CHARS * 5)
    rows = _accounts(5)
    rows[2] = f'a3,"{long_note},Recife'
    report, count, loaded, issues = _load(workspace, rows)
    assert (count.loaded, count.quarantined) == (4, 1)
    assert issues.value.iloc[0] == f'a3,"{long_note},Recife'  # the warehouse keeps it whole
    exported = list(csv.DictReader(report.quarantine_csv.open(encoding="utf-8")))
    pointer = exported[0]["value"]
    assert pointer.startswith(f"({len(long_note) + 11:,} characters, in full in quarantine-{report.load_id}/")
    side = report.quarantine_csv.parent / pointer.split("in full in ")[1].rstrip(")")
    assert side.read_text(encoding="utf-8") == f'a3,"{long_note},Recife'


def test_wrong_field_counts_keep_their_raw_text_and_span(tmp_path):
    path = write(tmp_path / "a.csv", 'id,name,city\n1,"two\nlines"\n2,b,c\n')
    reader = open_reader(path)
    batches = list(reader.batches())
    reject = batches[0].rejects[0]
    assert (reject.line, reject.last_line, reject.record) == (2, 3, '1,"two\nlines"')
    assert reader.ledger.lines == 4 and reader.ledger.accounted == 4


def test_a_quote_that_never_closes_does_not_hold_the_rest_of_a_long_file_in_memory(tmp_path, monkeypatch):
    monkeypatch.setattr(records, "MAX_RECORD_LINES", 50)
    # One column: nothing can tell swallowed rows apart, but the record cap still sets it aside.
    text = "note\n" + '"opened\n' + "".join(f"row {i}\n" for i in range(500))
    items = list(read_records(io.StringIO(text, newline=""), ",", 1))
    assert isinstance(items[1], SetAside) and items[1].first == 2 and "more than 50 lines" in items[1].reason
    assert [i.fields for i in items[2:]] == [[f"row {i}"] for i in range(500)]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("final_break", [True, False])
def test_physical_lines_are_counted_like_the_csv_module(tmp_path, newline, final_break):
    text = 'a,b\n1,"x\ny"\n\n2,z' + ("\n" if final_break else "")
    path = write(tmp_path / "a.csv", text, newline=newline)
    with path.open(newline="") as handle:
        lines = list(handle)  # the csv module's physical lines
    assert count_physical_lines(path, "utf-8", chunk_chars=3) == len(lines) == 5
    items = list(read_records(path.open(newline=""), ","))
    assert sum(i.last - i.first + 1 for i in items) == 5
    assert [type(i) for i in items] == [Record] * 4


def test_a_broken_header_is_refused_with_its_line(tmp_path):
    from bullseye.errors import InputFileError

    with pytest.raises(InputFileError, match=r"a\.csv:1: the header row cannot be read"):
        open_reader(write(tmp_path / "a.csv", 'id,"name"x,city\n1,2,3\n'))


def test_a_5000_column_export_is_refused_at_once_with_one_line(tmp_path):
    import time

    from typer.testing import CliRunner

    from bullseye.cli import app
    from bullseye.workspace import Workspace

    ws = Workspace.init(tmp_path / "ws")
    header = ",".join(["account_id"] + [f"property_{i}" for i in range(4999)])
    write(ws.data_dir / "accounts.csv", header + "\n" + ",".join(["a1"] + ["x"] * 4999) + "\n")
    started = time.perf_counter()
    result = CliRunner().invoke(app, ["load", "--workspace", str(ws.root)])
    assert time.perf_counter() - started < 60
    assert result.exit_code != 0 and "5,000 columns, more than the 2,000 a load takes" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) <= 3
