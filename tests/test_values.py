"""Values that cannot be stored are dropped per cell with their reason; nothing is misread silently;
placeholders are read as missing (configurably) and counted per column.

Each reproduction case of the ingest issue loads a real file into a real workspace and checks that
the counts reconcile (read = loaded + quarantined) and what happened to each value.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import write
from typer.testing import CliRunner

from bullseye.cli import app
from bullseye.config import MISSING_EVERYWHERE, MISSING_IN_TYPED
from bullseye.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def configured(tmp_path):
    """A workspace whose bullseye.yaml carries the given settings (YAML text)."""
    opened = []

    def make(settings: str) -> Workspace:
        Workspace.init(tmp_path / "configured").close()
        write(tmp_path / "configured" / "bullseye.yaml", settings)
        opened.append(Workspace(tmp_path / "configured"))
        return opened[-1]

    yield make
    for ws in opened:
        ws.close()


def _load(workspace, text: str, name: str = "accounts.csv"):
    path = write(workspace.data_dir / name, text)
    report = workspace.load([path])
    assert report.reconciles, report.to_dict()
    count = report.files[0]
    assert count.read == count.loaded + count.quarantined
    return report, count


def _rows(workspace) -> dict[str, SimpleNamespace]:
    """Accounts by id, through Arrow: whole numbers stay exact and missing values are None."""
    return {row["account_id"]: SimpleNamespace(**row) for row in workspace.table("accounts").to_pyarrow().to_pylist()}


def _issues(workspace) -> dict[tuple[int, str], tuple[str, str, str]]:
    frame = workspace.table("quarantine").execute()
    return {(int(r.line), r.column): (r.value, r.reason, r.action) for r in frame.itertuples()}


def test_an_integer_beyond_64_bits_is_dropped_with_its_row_loaded(workspace):
    report, count = _load(
        workspace,
        "account_id,employees\nA1,120\nA2,1234567890123456789012\nA3,1E+20\n"
        "A4,9223372036854775807\nA5,-9223372036854775809\n",
    )
    assert (count.read, count.loaded, count.quarantined) == (5, 5, 0)
    rows = _rows(workspace)
    assert rows["A1"].employees == 120 and rows["A4"].employees == 9223372036854775807  # exact, not via a float
    issues = _issues(workspace)
    for line, value in ((3, "1234567890123456789012"), (4, "1E+20"), (6, "-9223372036854775809")):
        got_value, reason, action = issues[(line, "employees")]
        assert (got_value, action) == (value, "value_dropped") and "too large" in reason


def test_a_custom_column_beyond_64_bits_becomes_text_or_decimal(workspace):
    report, _ = _load(
        workspace,
        "account_id,tax_number,exposure,small\nA1,1234567890123456789012,5,1\nA2,0000000000000000000042,1E+20,2\n",
    )
    schema = workspace.table("accounts").schema()
    assert schema["tax_number"].is_string() and schema["exposure"].is_floating() and schema["small"].is_integer()
    rows = _rows(workspace)
    assert rows["A1"].tax_number == "1234567890123456789012" and rows["A2"].tax_number == "0000000000000000000042"
    assert rows["A2"].exposure == 1e20
    assert report.issues == 0


@pytest.mark.parametrize("value", ["Infinity", "1e309", "-inf", "-1.5E+400", "inf"])
def test_infinities_in_number_columns_are_dropped_with_the_reason(workspace, value):
    _, count = _load(workspace, f"account_id,revenue\nA1,1000\nA2,{value}\n")
    assert count.loaded == 2
    assert _rows(workspace)["A2"].revenue is None
    assert _issues(workspace)[(3, "revenue")] == (value, "not a finite number (infinity or NaN)", "value_dropped")


def test_nan_is_missing_by_default_and_dropped_with_the_reason_when_kept(workspace, configured):
    _, count = _load(workspace, "account_id,revenue\nA1,1000\nA2,NaN\n")
    assert count.missing == {"revenue": 1} and workspace.table("quarantine").count().execute() == 0
    workspace = configured("missing_values:\n  keep: [NaN]\n")
    _, count = _load(workspace, "account_id,revenue\nA1,1000\nA2,NaN\n")
    assert count.missing == {}
    assert _issues(workspace)[(3, "revenue")][1:] == ("not a finite number (infinity or NaN)", "value_dropped")


def test_a_number_with_the_other_decimal_mark_is_dropped_not_misread(workspace):
    _, count = _load(workspace, 'account_id,revenue\nA1,1234.50\nA2,2.5\nA3,"1,234.75"\nA4,"1.234,56"\nA5,"3,5"\n')
    rows = _rows(workspace)
    assert [rows[a].revenue for a in ("A1", "A2", "A3")] == [1234.5, 2.5, 1234.75]
    issues = _issues(workspace)
    for line, value in ((5, "1.234,56"), (6, "3,5")):
        got_value, reason, action = issues[(line, "revenue")]
        assert (got_value, action) == (value, "value_dropped")
        assert "decimal comma" in reason and "mostly uses a decimal point" in reason


def test_a_decimal_comma_column_drops_a_decimal_point(workspace):
    _, _ = _load(workspace, "account_id;revenue\nA1;1.234,50\nA2;2,5\nA3;7,25\nA4;1.5\nA5;1.000\n")
    rows = _rows(workspace)
    assert [rows[a].revenue for a in ("A1", "A2", "A3", "A5")] == [1234.5, 2.5, 7.25, 1000.0]
    assert "mostly uses a decimal comma" in _issues(workspace)[(5, "revenue")][1]


def test_e_notation_reads_as_a_number(workspace):
    report, _ = _load(
        workspace,
        "account_id,sdr_score,ratio,revenue\nA1,1.5E+06,1.5E-03,2.5e6\nA2,2E+03,2e-1,1E+03\nA3,3.25E+02,-4.5E+00,\n",
    )
    assert report.issues == 0
    schema = workspace.table("accounts").schema()
    assert schema["sdr_score"].is_integer() and schema["ratio"].is_floating()
    rows = _rows(workspace)
    assert [rows[a].sdr_score for a in ("A1", "A2", "A3")] == [1_500_000, 2000, 325]
    assert [rows[a].ratio for a in ("A1", "A2", "A3")] == [0.0015, 0.2, -4.5]
    assert rows["A1"].revenue == 2.5e6


def test_two_digit_years_parse_with_the_posix_pivot(workspace):
    _, _ = _load(workspace, "account_id,created_at\nA1,01/02/24\nA2,31/12/99\nA3,15/06/68\nA4,15/06/69\nA5,1/2/2024\n")
    got = {a: r.created_at for a, r in _rows(workspace).items()}
    assert got == {
        "A1": date(2024, 2, 1),
        "A2": date(1999, 12, 31),
        "A3": date(2068, 6, 15),
        "A4": date(1969, 6, 15),
        "A5": date(2024, 2, 1),
    }


def test_two_digit_years_follow_the_columns_month_first_order(workspace):
    _, _ = _load(workspace, "account_id,created_at\nA1,01/02/24\nA2,12/31/24\n")
    got = {a: r.created_at for a, r in _rows(workspace).items()}
    assert got == {"A1": date(2024, 1, 2), "A2": date(2024, 12, 31)}


@pytest.mark.parametrize("value", ["2024-01-01junk", "2024-01-01 x", "31/03/2025abc", "2024-01-01T10:00:00 later"])
def test_a_date_with_trailing_text_is_rejected(workspace, value):
    _, count = _load(workspace, f"account_id,created_at\nA1,2024-01-01T10:00:00Z\nA2,{value}\n")
    assert count.loaded == 2
    assert str(_rows(workspace)["A1"].created_at)[:10] == "2024-01-01"
    got_value, reason, action = _issues(workspace)[(3, "created_at")]
    assert (got_value, action) == (value, "value_dropped") and reason.startswith("a date followed by other text")


def test_times_after_dates_still_read(workspace):
    values = [
        "2025-03-31 10:30:00",
        "2025-03-31T10:00:00.123+02:00",
        "31/03/2025 10:30 PM",
        "2025-03-31 10:30:00 UTC",
        "31/03/2025, 10:23 AM",
        "2025-03-31 10:30 EST",
        "2025-03-31 10:30:00 GMT+2",
    ]
    text = "account_id,created_at\n" + "".join(f'A{i},"{v}"\n' for i, v in enumerate(values))
    report, _ = _load(workspace, text)
    assert report.issues == 0
    assert {str(r.created_at)[:10] for r in _rows(workspace).values()} == {"2025-03-31"}


PLACEHOLDER_FILE = """account_id,name,country,city,revenue,employees,answer,score
A1,Acme,NA,Select,none,?,None,1
A2,Beta,Brazil,unknown,—,N/A,Yes,nan
A3,Gamma,N/A,(blank),1000,12,not provided,2
A4,Delta,na,São Paulo,na,nil,none,--
"""


def test_placeholders_are_missing_but_real_values_stay(workspace):
    _, count = _load(workspace, PLACEHOLDER_FILE)
    rows = _rows(workspace)
    assert rows["A1"].country == "NA" and rows["A4"].country == "na"  # Namibia is a country
    assert rows["A3"].country is None and rows["A1"].city is None and rows["A2"].city is None
    assert rows["A1"].answer == "None" and rows["A4"].answer == "none" and rows["A3"].answer is None
    assert rows["A3"].revenue == 1000 and all(rows[a].revenue is None for a in ("A1", "A2", "A4"))
    assert workspace.table("accounts").schema()["score"].is_integer()  # "nan" and "--" do not make it text
    assert workspace.table("quarantine").count().execute() == 0  # missing, not unreadable
    assert count.missing == {"country": 1, "city": 3, "revenue": 3, "employees": 3, "answer": 1, "score": 2}


def test_missing_values_are_configurable_per_workspace(configured):
    workspace = configured("missing_values:\n  add: [None, tbd]\n  keep: [unknown]\n")
    _, count = _load(workspace, PLACEHOLDER_FILE + "A5,Epsilon,TBD,x,1,1,x,3\n")
    rows = _rows(workspace)
    assert rows["A1"].answer is None and rows["A4"].answer is None  # added: missing in text too
    assert rows["A2"].city == "unknown" and rows["A5"].country is None
    assert count.missing["answer"] == 3 and count.missing["city"] == 2


def test_the_cli_reports_missing_values_per_column(tmp_path, monkeypatch):
    runner = CliRunner()
    root = tmp_path / "ws"
    assert runner.invoke(app, ["init", str(root)]).exit_code == 0
    write(root / "bullseye.yaml", "name: Acme\nmissing_values:\n  add: ['[/b]']\n")
    write(root / "data" / "accounts.csv", PLACEHOLDER_FILE + "A5,Eps,[/b],x,1,1,x,3\n")
    result = runner.invoke(app, ["load", "--workspace", str(root)])
    assert result.exit_code == 0, result.output
    assert "read as missing in 6 column(s)" in result.output and "--details" in result.output  # folded
    result = runner.invoke(app, ["load", "--workspace", str(root), "--details"])
    assert result.exit_code == 0, result.output
    assert "Read as missing" in result.output and re.search(r"city\s.*\s3\b", result.output)
    as_json = runner.invoke(app, ["load", "--workspace", str(root), "--json"])
    files = json.loads(as_json.output)["files"]
    assert files[0]["missing"]["city"] == 3 and files[0]["missing"]["country"] == 2 and files[0]["reconciles"]


def test_every_default_missing_token_and_the_pivot_are_documented():
    text = (ROOT / "docs" / "loading.md").read_text(encoding="utf-8")
    undocumented = [t for t in (*MISSING_EVERYWHERE, *MISSING_IN_TYPED) if f"`{t}`" not in text]
    assert not undocumented, f"missing-value tokens not listed in docs/loading.md: {undocumented}"
    assert "00-68" in text and "69-99" in text


@pytest.mark.datasets
def test_bank_marketing_unknown_is_read_as_missing_and_counted(workspace, datasets):
    """The UCI bank export writes "unknown" for missing (job, education, contact, poutcome)."""
    import csv

    with (datasets / "bank_marketing_uci" / "bank.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    header, body = rows[0], rows[1:]
    expected = {name: sum(r[i].strip().lower() == "unknown" for r in body) for i, name in enumerate(header)}
    lines = [";".join(["account_id", *header])] + [";".join([f"C{i}", *r]) for i, r in enumerate(body)]
    _, count = _load(workspace, "\n".join(lines) + "\n", name="clients.csv")
    assert count.read == count.loaded == len(body) == 4521
    assert count.missing == {name: n for name, n in expected.items() if n}
    assert set(count.missing) == {"job", "education", "contact", "poutcome"}
    jobs = workspace.table("accounts").to_pyarrow().column("job").to_pylist()
    assert "unknown" not in jobs and jobs.count(None) == expected["job"]


def test_empty_missing_value_lists_read_every_placeholder_as_written(configured):
    workspace = configured("missing_values:\n  everywhere: []\n  typed_only: []\n")
    _, count = _load(workspace, "account_id,city,revenue\nA1,Select,none\nA2,N/A,10\n")
    rows = _rows(workspace)
    assert (rows["A1"].city, rows["A2"].city, rows["A1"].revenue) == ("Select", "N/A", None)
    assert count.missing == {} and _issues(workspace)[(2, "revenue")][2] == "value_dropped"
