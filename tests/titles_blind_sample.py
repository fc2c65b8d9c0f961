"""The blind title samples of issue 10: how they are drawn, scored, and what the O*NET codes say about them.

Drawn reproducibly (seeded), excluding every title the project had used before (its fixtures and the fluquid
samples of the earlier rounds, development samples included) and the earlier blind samples:

- rounds D and E, half from ``job_titles_fluquid/titles_combined.txt.gz`` (what is left after rounds A-C and their
  development samples), half from ``job_titles_labelled/Alternate Titles.txt`` (O*NET 27.0, distinct alternate
  titles in file order);
- rounds F and G, O*NET titles only, of occupations in a business major group (``BUSINESS_GROUPS``).

The hand labels live in ``tests/fixtures/titles_blind.csv``; each round's labels were committed before the
normaliser was run on it, and what it read that one time is in ``titles_blind_readings.csv`` (see docs/titles.md,
"The blind samples of issue 10"). The O*NET mapping below is written out so a reader can see which function each
occupation group stands for; it guided the hand labels of the O*NET titles and is kept beside them
(``onet_function``, ``onet_level``) for comparison.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "BLIND_ROUNDS",
    "BUSINESS_ROUNDS",
    "LEVELS",
    "ONET_FUNCTION",
    "UNREAD",
    "blind_labels",
    "blind_readings",
    "business_titles",
    "draw_blind_round",
    "draw_blind_rounds",
    "fluquid_titles",
    "level_confusion",
    "markdown_confusion",
    "markdown_function_table",
    "markdown_onet_row",
    "markdown_summary_row",
    "onet_agreement",
    "onet_function",
    "onet_level",
    "percent",
    "score",
    "title_key",
    "used_fluquid_indices",
]

FIXTURES = Path(__file__).resolve().parent / "fixtures"

# round -> (fluquid seed, fluquid size, O*NET seed, O*NET size); a later round excludes the earlier ones.
BLIND_ROUNDS = {"D": (10, 260, 11, 260), "E": (12, 260, 13, 260)}
# round -> (O*NET seed, size): O*NET titles only, filed under an occupation of a business major group that maps to a
# business function (not `other`, not `unknown`): the kind of titles a B2B CRM holds, which D and E hold few of.
BUSINESS_ROUNDS = {"F": (14, 300), "G": (15, 300)}
BUSINESS_GROUPS = ("11", "13", "15", "17", "23", "41", "43")  # management, business and financial, computer and
#                   mathematical, architecture and engineering, legal, sales, office and administrative support

# O*NET-SOC code prefix -> the project's function (longest prefix wins). SOC 2018 major groups, refined where a
# group spans several of the project's functions (management 11-, business and financial 13-, computer 15-,
# office support 43-, sales 41-).
ONET_FUNCTION = {
    "11": "other",  # education, health, construction...
    "11-1011": "executive",
    "11-1021": "executive",  # chief executives, general managers
    "11-2011": "marketing",
    "11-2021": "marketing",
    "11-2022": "sales",
    "11-2032": "marketing",
    "11-3012": "other",
    "11-3013": "operations",
    "11-3013.01": "other",
    "11-3021": "it",
    "11-3031": "finance",
    "11-3051": "operations",
    "11-3061": "operations",
    "11-3071": "operations",
    "11-3111": "hr",
    "11-3121": "hr",
    "11-3131": "hr",
    "11-9041": "engineering",
    "11-9199": "unknown",
    "11-9199.01": "legal",
    "11-9199.02": "legal",
    "11-9199.08": "other",
    "11-9199.09": "other",
    "11-9199.10": "other",
    "11-9199.11": "other",
    "13": "finance",  # financial specialists (13-2)
    "13-1011": "other",
    "13-1021": "operations",
    "13-1022": "operations",
    "13-1023": "operations",
    "13-1031": "finance",
    "13-1032": "finance",
    "13-1041": "legal",
    "13-1041.01": "other",
    "13-1041.03": "hr",
    "13-1041.04": "other",
    "13-1041.06": "other",
    "13-1041.08": "operations",
    "13-1051": "other",
    "13-1071": "hr",
    "13-1074": "other",
    "13-1075": "hr",
    "13-1081": "operations",
    "13-1082": "unknown",
    "13-1111": "unknown",
    "13-1121": "marketing",
    "13-1131": "other",
    "13-1141": "hr",
    "13-1151": "hr",
    "13-1161": "marketing",
    "13-1199": "unknown",
    "13-1199.05": "other",
    "13-1199.06": "sales",
    "13-1199.07": "other",
    "15": "it",  # support, networks, systems, security
    "15-1221": "engineering",
    "15-1243.01": "engineering",
    "15-1251": "engineering",
    "15-1252": "engineering",
    "15-1253": "engineering",
    "15-1254": "engineering",
    "15-1255": "product",
    "15-1255.01": "other",
    "15-1299.02": "other",
    "15-1299.03": "other",
    "15-1299.07": "engineering",
    "15-2": "engineering",
    "15-2011": "finance",
    "15-2021": "other",
    "15-2031": "unknown",
    "15-2051.02": "other",
    "17": "engineering",
    "19": "other",
    "21": "other",
    "23": "legal",
    "25": "other",
    "27": "other",
    "27-1021": "product",
    "27-1024": "marketing",
    "27-3031": "marketing",
    "29": "other",
    "31": "other",
    "33": "other",
    "35": "other",
    "37": "other",
    "39": "other",
    "41": "sales",
    "41-2011": "other",
    "41-2012": "other",
    "41-2021": "other",
    "41-3041": "other",
    "41-9011": "other",
    "41-9012": "other",
    "43": "other",
    "43-3011": "finance",
    "43-3021": "finance",
    "43-3031": "finance",
    "43-3041": "finance",
    "43-3051": "hr",
    "43-3061": "operations",
    "43-3071": "finance",
    "43-3099": "finance",
    "43-4011": "finance",
    "43-4041": "finance",
    "43-4051": "customer success",
    "43-4131": "finance",
    "43-4141": "finance",
    "43-4161": "hr",
    "43-5011": "operations",
    "43-5032": "operations",
    "43-5061": "operations",
    "43-5071": "operations",
    "43-5111": "operations",
    "43-9041": "finance",
    "45": "other",
    "47": "other",
    "49": "other",
    "51": "other",
    "51-1011": "operations",
    "51-9061": "operations",
    "53": "other",
    "53-1": "operations",  # supervisors of transport and moving
    "55": "other",
}


def onet_function(code: str) -> str:
    """The project's function for an O*NET-SOC code, e.g. 11-3031.00 -> finance."""
    digits = code.split(".")[0]
    for prefix in (code, digits, digits[:5], digits[:4], digits[:2]):
        if prefix in ONET_FUNCTION:
            return ONET_FUNCTION[prefix]
    raise KeyError(code)


def onet_level(code: str, occupation: str) -> str:
    """What the occupation says about the level: chief executives are c-level, other management occupations
    are a manager or above, first-line supervisors a manager, everyone else an individual contributor."""
    if code.startswith("11-1011"):
        return "c-level"
    if code.startswith("11-"):
        return "manager or above"
    if occupation.startswith("First-Line Supervisors"):
        return "manager"
    return "individual contributor"


def title_key(title: str) -> str:
    return " ".join(str(title).split()).casefold()


def fluquid_titles(datasets: Path) -> list[str]:
    path = datasets / "job_titles_fluquid" / "titles_combined.txt.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return list(dict.fromkeys(line.strip() for line in handle if line.strip()))


def used_fluquid_indices(n: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The fluquid samples of rounds A-C and their development samples (seeds as in docs/titles.md), and the rest."""
    rest = np.arange(n)
    used = {}
    for name, seed, size in (
        ("A", 4, 300),
        ("dev2024", 2024, 400),
        ("dev2025", 2025, 300),
        ("B", 5, 200),
        ("dev7", 7, 400),
        ("dev8", 8, 300),
        ("C", 6, 250),
    ):
        # round A was drawn from all indices, the others from what was left (same calls as the original draws)
        drawn = np.random.default_rng(seed).choice(n if name == "A" else rest, size, replace=False)
        used[name] = np.sort(drawn)
        rest = np.setdiff1d(rest, drawn)
    return used, rest


def _onet_titles(datasets: Path) -> pd.DataFrame:
    folder = datasets / "job_titles_labelled"
    alternate = pd.read_csv(folder / "Alternate Titles.txt", sep="\t", dtype=str, keep_default_na=False)
    occupations = pd.read_csv(folder / "Occupation Data.txt", sep="\t", dtype=str, keep_default_na=False)
    names = dict(zip(occupations["O*NET-SOC Code"], occupations["Title"], strict=True))
    alternate = alternate.rename(columns={"O*NET-SOC Code": "code", "Alternate Title": "title"})
    alternate["title"] = alternate["title"].str.strip()
    alternate = alternate[alternate["title"] != ""]
    grouped = alternate.groupby("title", sort=False)["code"].agg(list).reset_index()  # file order of first sight
    grouped["onet_code"] = grouped["code"].map(";".join)
    grouped["onet_occupation"] = grouped["code"].map(lambda codes: ";".join(names[c] for c in codes))
    grouped["onet_function"] = grouped["code"].map(lambda codes: ";".join(dict.fromkeys(map(onet_function, codes))))
    grouped["onet_level"] = [
        ";".join(dict.fromkeys(onet_level(c, names[c]) for c in codes)) for codes in grouped["code"]
    ]
    return grouped.drop(columns="code")


def _is_business(codes: str) -> bool:
    return any(
        code[:2] in BUSINESS_GROUPS and onet_function(code) not in ("other", "unknown") for code in codes.split(";")
    )


def _fixture_keys() -> set[str]:
    keys: set[str] = set()
    for name in ("titles_labelled.csv", "titles_dev.csv"):
        keys |= set(pd.read_csv(FIXTURES / name, keep_default_na=False)["title"].map(title_key))
    return keys


def draw_blind_round(datasets: Path, name: str) -> pd.DataFrame:
    """The titles of blind round ``name``: fluquid first, then O*NET, none used before or in an earlier round."""
    return draw_blind_rounds(datasets)[name]


def draw_blind_rounds(datasets: Path) -> dict[str, pd.DataFrame]:
    """Every blind round, in order: each excludes the titles used before it."""
    titles = fluquid_titles(datasets)
    used, rest = used_fluquid_indices(len(titles))
    excluded = _fixture_keys() | {title_key(titles[i]) for drawn in used.values() for i in drawn}
    onet = _onet_titles(datasets)
    frames: dict[str, pd.DataFrame] = {}
    for round_name, (fluquid_seed, fluquid_size, onet_seed, onet_size) in BLIND_ROUNDS.items():
        rest = np.array([i for i in rest if title_key(titles[i]) not in excluded])
        picked = np.sort(np.random.default_rng(fluquid_seed).choice(rest, fluquid_size, replace=False))
        fluquid = pd.DataFrame({"title": [titles[i] for i in picked], "source": "fluquid", "round": round_name})
        excluded |= set(fluquid["title"].map(title_key))
        rest = np.setdiff1d(rest, picked)
        candidates = onet[~onet["title"].map(title_key).isin(excluded)].reset_index(drop=True)
        rows = np.sort(np.random.default_rng(onet_seed).choice(len(candidates), onet_size, replace=False))
        chosen = candidates.iloc[rows].assign(source="onet", round=round_name)
        excluded |= set(chosen["title"].map(title_key))
        onet = onet[~onet["title"].map(title_key).isin(excluded)]
        frames[round_name] = pd.concat([fluquid, chosen], ignore_index=True).fillna("")
    for round_name, (onet_seed, onet_size) in BUSINESS_ROUNDS.items():
        business = onet["onet_code"].map(_is_business)
        candidates = onet[business & ~onet["title"].map(title_key).isin(excluded)].reset_index(drop=True)
        rows = np.sort(np.random.default_rng(onet_seed).choice(len(candidates), onet_size, replace=False))
        frames[round_name] = candidates.iloc[rows].assign(source="onet", round=round_name).reset_index(drop=True)
        excluded |= set(frames[round_name]["title"].map(title_key))
        onet = onet[~onet["title"].map(title_key).isin(excluded)]
    return frames


# ----------------------------------------------------------------------------------------------
# Measuring a reading against the hand labels
# ----------------------------------------------------------------------------------------------
LEVELS = ("c-level", "vp", "director", "head", "manager", "individual contributor")
UNREAD = "(unread)"


def blind_labels(round_name: str | None = None) -> pd.DataFrame:
    frame = pd.read_csv(FIXTURES / "titles_blind.csv", keep_default_na=False)
    return frame if round_name is None else frame[frame["round"] == round_name].reset_index(drop=True)


def blind_readings(round_name: str) -> pd.DataFrame:
    """What the normaliser read on a blind round the one time it was run on it, with the rules of that time
    (``rules`` names the commit): D with the first rules of issue 10, E with the rules tuned on D."""
    frame = pd.read_csv(FIXTURES / "titles_blind_readings.csv", keep_default_na=False)
    return frame[frame["round"] == round_name].reset_index(drop=True)


def business_titles(labels: pd.DataFrame) -> np.ndarray:
    """Rows labelled with a business function (not other, not unknown): the titles a B2B CRM mostly holds."""
    return (~labels["function"].isin(["other", "unknown"])).to_numpy()


def score(labels: pd.DataFrame, read: pd.DataFrame, part: str) -> dict:
    """Right / wrong per title for ``part`` (function or seniority), its Wilson interval, and the unread titles.

    An unread part (None or "") is right only when the label is "unknown": the normaliser may say it cannot read a
    title, but a title a person could read and the normaliser did not counts against it.
    """
    from bullseye.stats import wilson_interval

    said = read[part].replace("", None).to_numpy(dtype=object)
    truth = labels[part].to_numpy(dtype=object)
    unread = np.array([value is None or (isinstance(value, float) and np.isnan(value)) for value in said])
    right = np.where(unread, truth == "unknown", truth == said)
    low, high = wilson_interval(right.sum(), len(right))
    read_rows = ~unread
    return {
        "n": len(right),
        "right": int(right.sum()),
        "accuracy": right.mean(),
        "low": float(low),
        "high": float(high),
        "unread": int(unread.sum()),
        "unread_labelled_unknown": int((truth[unread] == "unknown").sum()),
        "read": int(read_rows.sum()),
        "right_when_read": int(right[read_rows].sum()),
        "unread_titles": labels.loc[unread, "title"].tolist(),
    }


def level_confusion(labels: pd.DataFrame, read: pd.DataFrame) -> pd.DataFrame:
    """Labelled level (rows) x level read (columns, plus unread), with each labelled level's accuracy."""
    said = read["seniority"].replace("", None).fillna(UNREAD).to_numpy(dtype=object)
    truth = labels["seniority"].to_numpy(dtype=object)
    rows = [level for level in (*LEVELS, "unknown") if (truth == level).any()]
    table = pd.DataFrame(0, index=rows, columns=[*LEVELS, UNREAD])
    for t, s in zip(truth, said, strict=True):
        table.loc[t, s] += 1
    right = [table.loc[r, UNREAD] if r == "unknown" else table.loc[r, r] for r in rows]
    table["titles"] = table[[*LEVELS, UNREAD]].sum(axis=1)
    table["right"] = right
    return table


def percent(value: float) -> str:
    return f"{100 * value:.1f}%"


def markdown_summary_row(name: str, labels: pd.DataFrame, read: pd.DataFrame) -> str:
    """One row of the docs' blind table: titles, seniority and function accuracy with 95% Wilson intervals, unread."""
    s, f = score(labels, read, "seniority"), score(labels, read, "function")
    return (
        f"| {name} | {s['n']} | {percent(s['accuracy'])} | {percent(s['low'])}-{percent(s['high'])} | "
        f"{percent(f['accuracy'])} | {percent(f['low'])}-{percent(f['high'])} | {s['unread']} | {f['unread']} |"
    )


def markdown_confusion(labels: pd.DataFrame, read: pd.DataFrame) -> str:
    table = level_confusion(labels, read)
    head = ["labelled \\ read", *table.columns[:-2], "titles", "right"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for level, row in table.iterrows():
        share = row["right"] / row["titles"]
        lines.append(
            "| "
            + " | ".join(
                [
                    str(level),
                    *(str(int(v)) for v in row.iloc[:-2]),
                    str(int(row["titles"])),
                    f"{int(row['right'])} ({percent(share)})",
                ]
            )
            + " |"
        )
    return "\n".join(lines)


def markdown_function_table(labels: pd.DataFrame, read: pd.DataFrame) -> str:
    """Per labelled function: titles, read right, read as another function, left unread."""
    said = read["function"].replace("", None).fillna(UNREAD).to_numpy(dtype=object)
    truth = labels["function"].to_numpy(dtype=object)
    lines = ["| labelled function | titles | right | another function | unread |", "|---|---|---|---|---|"]
    for function in sorted(set(truth), key=lambda f: (-(truth == f).sum(), f)):
        mine = truth == function
        unread = mine & (said == UNREAD)
        right = unread if function == "unknown" else mine & (said == function)
        wrong = mine & ~right & ~unread
        lines.append(
            f"| {function} | {mine.sum()} | {right.sum()} | {wrong.sum()} | "
            f"{0 if function == 'unknown' else unread.sum()} |"
        )
    return "\n".join(lines)


_LEVELS_ALLOWED = {
    "c-level": {"c-level"},
    "manager or above": {"manager", "head", "director", "vp", "c-level"},
    "manager": {"manager"},
    "individual contributor": {"individual contributor"},
}


def onet_agreement(labels: pd.DataFrame, said: pd.DataFrame) -> tuple[int, int, int]:
    """On the O*NET titles: how many ``said`` levels and functions agree with what the occupation codes alone say
    (``onet_level``, ``onet_function``; a title under several codes agrees with any). A check that needs no hand
    label. Returns (titles, levels agreeing, functions agreeing)."""
    onet = (labels["source"] == "onet").to_numpy()
    rows = labels[onet]
    seniority = said["seniority"].to_numpy(dtype=object)[onet]
    function = said["function"].to_numpy(dtype=object)[onet]
    levels = sum(
        s in set().union(*(_LEVELS_ALLOWED[x] for x in lev.split(";")))
        for s, lev in zip(seniority, rows["onet_level"], strict=True)
    )
    functions = sum(f in set(fun.split(";")) for f, fun in zip(function, rows["onet_function"], strict=True))
    return len(rows), int(levels), int(functions)


def markdown_onet_row(name: str, labels: pd.DataFrame, said: pd.DataFrame) -> str:
    n, levels, functions = onet_agreement(labels, said)
    return f"| {name} | {n} | {levels} ({percent(levels / n)}) | {functions} ({percent(functions / n)}) |"
