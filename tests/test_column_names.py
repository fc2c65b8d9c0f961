"""Export columns whose names look like the loader's own working names still load."""

from __future__ import annotations

from conftest import write


def test_columns_named_like_join_suffixes_and_internal_names_load(workspace):
    write(workspace.data_dir / "accounts.csv", "account_id,name,_line,_file,_dup_of\nA1,x,1,2,3\n")
    write(
        workspace.data_dir / "deals.csv",
        "deal_id,account_id,stage,deal_id_right,account_id_right\nD1,A1,won,a,b\nD1,A1,won,a,b\nD2,A1,lost,c,d\n",
    )
    report = workspace.load()
    assert report.reconciles
    deals = next(f for f in report.files if f.table == "deals")
    assert (deals.read, deals.loaded, deals.quarantined) == (3, 2, 1)
    loaded = workspace.table("deals").order_by("deal_id").execute()
    assert list(loaded["deal_id_right"]) == ["a", "c"] and list(loaded["account_id_right"]) == ["b", "d"]
