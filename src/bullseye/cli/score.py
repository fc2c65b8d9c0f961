"""Commands that put the ICP to work: score accounts, and backtest the ICP as written."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from bullseye.cli.app import (
    JsonOption,
    WorkspaceOption,
    app,
    console,
    err_console,
    open_workspace,
    print_json,
)
from bullseye.errors import InputFileError
from bullseye.render.inert import for_terminal

if TYPE_CHECKING:
    import pandas as pd

    from bullseye.scoring.scorecard import ScoreCard

__all__ = ["score", "validate", "read_companies", "write_scores", "render_scores", "tier_cuts_sentence"]


@app.command()
def score(
    input_file: Annotated[Optional[Path], typer.Argument(
        metavar="[INPUT]", help="CSV, Parquet or Excel file of companies to score. Default: the CRM accounts.")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write every score to this file (.csv or .parquet).")] = None,
    top: Annotated[int, typer.Option(min=0, help="How many of the best accounts to show (0: all).")] = 20,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Score accounts against the ICP: fit score 0-100, tier A-D, win probability and the reasons.

    Example:

        bullseye score new-companies.csv --out scores.csv
    """
    from bullseye.core.dataset import build_dataset
    from bullseye.governance.lifecycle import scorecard_in_use, stamp
    from bullseye.market.signals import add_why_now
    from bullseye.strategy.icp import load_icp
    from bullseye.strategy.icp_warnings import icp_warnings
    from bullseye.strategy.versions import VersionStore

    ws = open_workspace(workspace)
    if VersionStore(ws.root).current() is None:
        load_icp(ws.root)  # a broken draft is one line before any data is read
    data = build_dataset(ws)
    card, version = scorecard_in_use(ws, data)  # a published version scores with its stored scorecard: no fit
    warn(icp_warnings(card.icp, data.accounts))
    scores = stamp(add_why_now(ws, card.score(read_companies(input_file, ws) if input_file else data.accounts),
                               card.icp), version)
    if out:
        write_scores(scores, out)
    ranked = scores.sort_values("fit_score", ascending=False, kind="stable")
    shown = ranked if top == 0 else ranked.head(top)
    if as_json:
        print_json(_score_json(card, scores, shown, out))
    else:
        console.print(data.split_line, markup=False)
        console.print(render_scores(card, scores, shown, out))


@app.command()
def validate(
    margin: Annotated[float, typer.Option(min=0, max=1, help="Gross margin for LTV (1.0: LTV in revenue).")] = 1.0,
    chart: Annotated[bool, typer.Option(help="Save the churn curves as reports/icp-churn-km.png.")] = True,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Backtest the ICP as written on the holdout: ICP vs not on wins, speed, price, churn and LTV.

    Example:

        bullseye validate --margin 0.8 --json
    """
    from bullseye.scoring.backtest import backtest

    result = backtest(open_workspace(workspace), margin=margin, chart=chart)
    warn(result.warnings)
    if as_json:
        print_json(result.to_dict())
    else:
        console.print(result.to_rich())


# -- input and output -----------------------------------------------------------------------------
def warn(lines: list[str]) -> None:
    """Warnings go to stderr, one line each, so ``--json`` output stays clean."""
    for line in lines:
        err_console.print(f"[yellow]Warning:[/] {for_terminal(line)}", highlight=False, soft_wrap=True)


def read_companies(path: Path, ws=None) -> pd.DataFrame:
    """A file of companies as a frame with canonical account column names.

    Read with the ingest reader (format, encoding and delimiter detection, header normalisation as
    in ``bullseye load``). A header naming a canonical account column or one of its aliases becomes
    that column; numbers, yes/no and lists are typed like the workspace's accounts table.
    """
    import pandas as pd

    from bullseye.core.schema import TABLES
    from bullseye.ingest.readers import open_reader

    reader = open_reader(Path(path))
    parts = [pd.DataFrame({k: v.to_pylist() for k, v in batch.columns.items()}) for batch in reader.batches()]
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=reader.header)
    if frame.empty:
        raise InputFileError(f"{path}: no companies to score")
    for column in TABLES["accounts"].columns:
        hit = next((n for n in (column.name, *column.aliases) if n in frame.columns), None)
        if hit and column.name not in frame.columns:
            frame = frame.rename(columns={hit: column.name})
    frame = frame.replace({"": None})
    kinds = {c.name: c.type for c in TABLES["accounts"].columns}
    if ws is not None and ws.has_table("accounts"):
        for name, dtype in ws.table("accounts").schema().items():
            kinds[name] = "list" if dtype.is_array() else "boolean" if dtype.is_boolean() else \
                "number" if dtype.is_numeric() else "string"
    for name in frame.columns:
        kind, text = kinds.get(name), frame[name].astype("string").str.strip()
        if kind in ("integer", "number"):
            frame[name] = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce")
        elif kind == "boolean":
            frame[name] = text.str.casefold().map({"yes": True, "true": True, "1": True, "sim": True,
                                                   "no": False, "false": False, "0": False, "não": False})
        elif kind == "list":
            frame[name] = [None if pd.isna(v) else [p for p in re.split(r"\s*[;|,\n]\s*", v) if p] for v in text]
    return frame


def write_scores(scores: pd.DataFrame, path: Path) -> None:
    """Every score, best first: Parquet for a .parquet/.pq name, CSV otherwise."""
    from bullseye.io import write_table

    ranked = scores.sort_values("fit_score", ascending=False, kind="stable")
    write_table(ranked, path)


# -- rendering ------------------------------------------------------------------------------------
def tier_cuts_sentence(card: ScoreCard) -> str:
    """'Tiers cut on the fit score: A >= 61.2 (best 10% of accounts), ...' in one line."""
    settings, cuts = card.icp.tiers, card.tier_cuts_
    how = {"A": "capacity" if settings.a_capacity is not None else "fixed" if settings.a_min_score is not None
           else f"best {settings.shares[0]:.0%}",
           "B": "capacity" if settings.b_capacity is not None else "fixed" if settings.b_min_score is not None
           else f"next {settings.shares[1]:.0%}",
           "C": "fixed" if settings.c_min_score is not None else f"next {settings.shares[2]:.0%}"}
    fmt = "{:,.0f}" if card.tier_basis_ == "expected_value" else "{:.1f}"
    parts = [f"{t} >= {fmt.format(cuts[t])} ({how[t]})" for t in ("A", "B", "C")]
    basis = "expected value" if card.tier_basis_ == "expected_value" else "fit score"
    return (f"Tiers cut on the {basis}: {', '.join(parts)}, D below; accounts a 'loses more' disqualifier meets "
            f"are D whatever their score.")



def _finite(value):
    """NaN and infinity as null, numpy scalars as Python ones, all the way down."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    return None if isinstance(value, float) and not math.isfinite(value) else value


def _score_json(card: ScoreCard, scores: pd.DataFrame, shown: pd.DataFrame, out: Path | None) -> dict:
    from bullseye.scoring.scorecard import TIERS
    from bullseye.scoring.tiers import order_sentence

    tiers = card.tier_table_.astype(object).where(card.tier_table_.notna(), None)
    return _finite({
        "icp_version": card.icp.content_hash(), "scored": len(scores), "out": str(out) if out else None,
        "tier_counts": {t: int((scores["tier"] == t).sum()) for t in TIERS},
        "disqualified": int(scores["disqualified"].sum()),
        "tiering": {"basis": card.tier_basis_, "cuts": card.tier_cuts_, "shares": card.icp.tiers.shares,
                    "notes": card.tier_notes_},
        "holdout": {"ece": None if math.isnan(card.ece_) else card.ece_, "monotone": card.monotone_,
                    "order": card.order_, "order_words": [order_sentence(card.order_, k) for k in card.monotone_],
                    "empty_tiers": card.empty_tiers_, "tiers": tiers.to_dict(orient="records"),
                    "reliability": card.calibration_.to_dict(orient="records")},
        "disqualifiers": [{k: v for k, v in e.items() if k != "what"} for e in card.disqualifier_effects_],
        "value_notes": card.value_.notes_,
        "dropped_criteria": card.dropped_criteria_,
        "scores": shown.astype(object).where(shown.notna(), None).to_dict(orient="records"),
    })


def render_scores(card: ScoreCard, scores: pd.DataFrame, shown: pd.DataFrame, out: Path | None):
    """The best accounts with their reasons, and the tiers as they did on the holdout."""
    from rich import box
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    from bullseye.scoring.tiers import DISQUALIFIED_GROUP, order_sentence

    version = scores["version"].iat[0] if "version" in scores.columns and len(scores) else card.icp.content_hash()
    best = Table(title=f"Best accounts of {len(scores):,} (ICP {'draft, unpublished' if version == 'draft' else version})",
                 title_justify="left", box=box.SIMPLE_HEAVY)
    timely = "why_now" in shown.columns and shown["why_now"].astype(bool).any()
    for header, justify in (("Account", "left"), ("Tier", "center"), ("Score", "right"), ("P(win)", "right"),
                            ("Exp. value", "right"), ("Why", "left"), *((("Why now", "left"),) if timely else ())):
        best.add_column(header, justify=justify, overflow="fold")
    for row in shown.to_dict(orient="records"):
        label = row.get("name") or row["account_id"] or "–"
        value = row.get("expected_value")
        best.add_row(for_terminal(label), row["tier"], f"{row['fit_score']:.0f}", f"{row['win_probability']:.0%}",
                     "–" if value is None or value != value else f"{value:,.0f}",
                     for_terminal(row["reasons"] or "–"), *((for_terminal(row["why_now"] or "–"),) if timely else ()))
    tiers = Table(title="Tiers: accounts scored, and the holdout deals (not used to fit)", title_justify="left",
                  box=box.SIMPLE_HEAVY)
    for header in ("Tier", "Accounts", "Holdout deals", "Win rate (95% CI)", "Predicted", "ACV, median",
                   "Value per deal"):
        tiers.add_column(header, justify="left" if header == "Tier" else "right", no_wrap=header == "Tier")
    forced = scores["tier"].eq("D").to_numpy() & scores["disqualified_by"].isin(
        [e["id"] for e in card.disqualifier_effects_ if e["forces_tier_d"]]).to_numpy()
    for row in card.tier_table_.to_dict(orient="records"):
        count = int(forced.sum()) if row["tier"] == DISQUALIFIED_GROUP else \
            int(((scores["tier"] == row["tier"]).to_numpy() & ~forced).sum())
        rate = "–" if not row["deals"] else \
            f"{row['win_rate']:.0%} ({row['win_rate_low']:.0%}-{row['win_rate_high']:.0%})"
        tiers.add_row(row["tier"], f"{count:,}", f"{row['deals']:,}", rate,
                      "–" if not row["deals"] else f"{row['predicted']:.0%}",
                      "–" if math.isnan(row["acv_median"]) else f"{row['acv_median']:,.0f}",
                      "–" if math.isnan(row["value_per_deal"]) else f"{row['value_per_deal']:,.0f}")
    reliability = Table(title="Calibration on the holdout: deciles of predicted win probability", title_justify="left",
                        box=box.SIMPLE_HEAVY)
    for header in ("Decile", "Deals", "Predicted", "Observed (95% CI)"):
        reliability.add_column(header, justify="right")
    for row in card.calibration_.to_dict(orient="records"):
        reliability.add_row(str(row["bin"]), f"{row['deals']:,}", f"{row['predicted']:.0%}",
                            f"{row['observed']:.0%} ({row['observed_low']:.0%}-{row['observed_high']:.0%})")
    lines = [tier_cuts_sentence(card),
             *(order_sentence(card.order_, key) for key in card.monotone_),
             (f"No holdout deals in {', '.join(card.empty_tiers_)}; " if card.empty_tiers_ else "")
             + f"calibration error (ECE over deciles): {card.ece_:.3f}."]
    lines += [f"Note: {note}." for note in card.tier_notes_] + list(card.value_.notes_)
    lines += [f"Disqualifier '{e['id']}' ({e['reads']}): {e['does']}." for e in card.disqualifier_effects_]
    lines += [f"'{k}' gives no points: {v}." for k, v in card.dropped_criteria_.items()]
    if out:
        lines.append(f"Wrote {len(scores):,} scores to {out}.")
    return Group(best, tiers, reliability, *(Text(line) for line in lines))
