"""Pure pandas computations on marks: pathways, gaps, alignment, roles, survey benchmark, peers, change.

No widgets, no plotting, no I/O: every function takes frames and returns frames or
plain values, so each is tested on hand-computed cases.

The *marks* frame has one row per (member, spectrum): ``respondent_id, name, role,
spectrum, current, aspiration`` (marks 1-5, NaN where not marked).
"""

from __future__ import annotations

from typing import cast

from ._lazy import np, pd  # pandas loads on first use: a member's page never needs it
from .content.frameworks import SPECTRUM_IDS

FIELDS = ("current", "aspiration")


def _ordered(index) -> list[str]:
    return [s for s in SPECTRUM_IDS if s in set(index)]


def pathway(marks: pd.DataFrame, respondent_id: int) -> pd.DataFrame:
    """One member's pathway: a frame indexed by spectrum id (all seven) with current and aspiration."""
    mine = cast("pd.DataFrame", marks[marks["respondent_id"] == respondent_id].set_index("spectrum")[list(FIELDS)])
    return mine.reindex(list(SPECTRUM_IDS)).astype(float)


def ranked_gaps(current: dict, aspiration: dict) -> list[dict]:
    """Aspiration minus now per spectrum, widest first (by size; ties keep Reflection Guide 2's order).

    Plain dicts in and out, so a member's page can rank gaps on every slider move without pandas.
    Spectra missing either mark are left out.
    """
    rows = []
    for sid in SPECTRUM_IDS:
        now, asp = current.get(sid), aspiration.get(sid)
        if now is None or asp is None or now != now or asp != asp:  # missing or NaN
            continue
        rows.append({"spectrum": sid, "current": float(now), "aspiration": float(asp), "gap": asp - now,
                     "size": abs(asp - now)})
    return sorted(rows, key=lambda r: -r["size"])  # stable: ties stay in guide order


def gaps(path: pd.DataFrame) -> pd.DataFrame:
    """:func:`ranked_gaps` for a pathway frame (index spectrum; columns current, aspiration)."""
    frame = path.reindex(columns=list(FIELDS))
    rows = ranked_gaps(frame["current"].to_dict(), frame["aspiration"].to_dict())
    return pd.DataFrame(rows, columns=pd.Index(["spectrum", "current", "aspiration", "gap", "size"]))


def progress(path: pd.DataFrame) -> int:
    """How many spectra this member has marked both now and aspiration on."""
    both = cast("pd.Series", path.reindex(columns=list(FIELDS)).notna().all(axis=1))  # a Series, with axis=1
    return int(both.sum())


def members_with_marks(marks: pd.DataFrame, field: str = "current") -> int:
    """How many members have marked ``field`` on at least one spectrum."""
    return int(marks.dropna(subset=[field])["respondent_id"].nunique())


def median(values) -> float | None:
    """The workbook's median of marks (None when no mark is present).

    The middle value of the marks present (None and NaN left out), the mean of the two middle ones for an
    even count. It is the median every view shows: :func:`summary` computes the same with pandas over a
    session's marks, and the network's stored summaries (``Store.network_summaries``) call this one.
    """
    import math
    import statistics

    present = [float(x) for x in values if x is not None and not (isinstance(x, float) and math.isnan(x))]
    return float(statistics.median(present)) if present else None


def _describe(present: np.ndarray) -> tuple:
    """n, median, mean, q1, q3, min, max of the marks ``present`` (no NaN); n = 0 and NaN for none."""
    if not len(present):
        return (0,) + (np.nan,) * 6
    q1, med, q3 = np.percentile(present, [25, 50, 75])  # linear interpolation, as pandas' quantile
    return len(present), med, present.mean(), q1, q3, present.min(), present.max()


def summary(marks: pd.DataFrame, field: str = "current") -> pd.DataFrame:
    """Per spectrum (all seven, in order): n, median, mean, q1, q3, iqr, min, max, range of ``field``.

    A spectrum nobody marked has n = 0 and NaN statistics.
    """
    # numpy per spectrum, not a pandas groupby: a report asks for four summaries, each a dozen marks a spectrum
    values = marks[field].to_numpy(dtype=float, na_value=np.nan)
    spectra = marks["spectrum"].to_numpy()
    rows = []
    for sid in SPECTRUM_IDS:
        rows.append(_describe(values[(spectra == sid) & ~np.isnan(values)]))
    out = pd.DataFrame(rows, columns=pd.Index(["n", "median", "mean", "q1", "q3", "min", "max"]),
                       index=pd.Index(list(SPECTRUM_IDS), name="spectrum"))
    out["n"] = out["n"].astype(int)
    out["iqr"] = out["q3"] - out["q1"]
    out["range"] = out["max"] - out["min"]
    return out


def median_pathway(marks: pd.DataFrame) -> pd.DataFrame:
    """The team's median pathway: index spectrum, columns current and aspiration."""
    return pd.DataFrame({f: summary(marks, f)["median"] for f in FIELDS})


def alignment(marks: pd.DataFrame, field: str = "current") -> dict:
    """Where the team agrees most and least on ``field``.

    Spread is the IQR, then the range to break ties. Returns ``{"table", "most", "least"}``:
    the table has n, iqr, range per marked spectrum; ``most``/``least`` are lists of
    spectrum ids (several when tied). Spectra marked by fewer than two members have no
    spread and are left out; with nobody to compare, both lists are empty.
    """
    table = cast("pd.DataFrame", summary(marks, field)[["n", "iqr", "range"]])
    table = cast("pd.DataFrame", table[table["n"] >= 2])
    if table.empty:
        return {"table": table, "most": [], "least": []}
    key = list(zip(table["iqr"].round(9), table["range"].round(9)))
    lo, hi = min(key), max(key)
    most = [s for s, k in zip(table.index, key) if k == lo]
    least = [s for s, k in zip(table.index, key) if k == hi]
    return {"table": table, "most": most, "least": least}


def with_gap(marks: pd.DataFrame) -> pd.DataFrame:
    """``marks`` with a ``gap`` column: each member's aspiration minus their now (NaN unless both are marked)."""
    return marks.assign(gap=marks["aspiration"] - marks["current"])


def agreement_words(iqr: float, range_: float) -> str:
    """The team's spread on one spectrum in plain words (IQR and range on the 1-5 scale).

    close agreement: the middle half within half a step and nobody more than two steps apart;
    far apart: the middle half more than one and a half steps apart; split otherwise.
    """
    if pd.isna(iqr):
        return "not enough marks"
    if iqr <= 0.5 and range_ <= 2:
        return "close agreement"
    if iqr > 1.5:
        return "far apart"
    return "split"


def agreement(marks: pd.DataFrame) -> pd.DataFrame:
    """Per spectrum, the team's agreement on now, aspiration and the gap, in words, with the IQR and range.

    Columns: ``{field}_words``, ``{field}_iqr``, ``{field}_range`` for field in current, aspiration, gap;
    spectra marked by fewer than two members read "not enough marks".
    """
    data = with_gap(marks) if not marks.empty else marks.assign(gap=pd.Series(dtype=float))
    out = pd.DataFrame(index=pd.Index(list(SPECTRUM_IDS), name="spectrum"))
    for field in ("current", "aspiration", "gap"):
        table = summary(data, field)
        few = table["n"] < 2
        out[f"{field}_iqr"] = table["iqr"].where(~few)
        out[f"{field}_range"] = table["range"].where(~few)
        out[f"{field}_words"] = [agreement_words(i, r) for i, r in zip(out[f"{field}_iqr"], out[f"{field}_range"])]
    return out


def team_gaps(marks: pd.DataFrame) -> pd.DataFrame:
    """Gap between the team's median aspiration and median current state, widest first."""
    return gaps(median_pathway(marks))


def critical_gaps(notes: pd.DataFrame, question_id: str = "rg2.critical") -> dict[str, int]:
    """How many members named each spectrum as their most critical gap (Reflection Guide 2, Q3), in guide order."""
    if notes.empty:
        return {}
    named = cast("pd.DataFrame", notes[(notes["question_id"] == question_id) & (notes["respondent_id"] != 0)])
    counts = named["text"].value_counts()
    return {s: int(counts[s]) for s in SPECTRUM_IDS if s in counts.index}


OTHER_ROLES = "Other roles"


def role_groups(roles, min_group: int) -> dict[str, str | None]:
    """How each role may be shown when every shown group needs ``min_group`` members.

    ``roles`` holds one role per member. A role with at least ``min_group`` members is shown as
    itself; smaller roles are folded together into "Other roles", which is shown when the folded
    members reach ``min_group`` together and otherwise left out (``None``): a superintendent who is
    the only one of their role is never identifiable by a role label, a role chart or a hover text.
    """
    counts: dict[str, int] = {}
    for role in roles:
        counts[role] = counts.get(role, 0) + 1
    small = [r for r, n in counts.items() if n < min_group]
    folded = OTHER_ROLES if sum(counts[r] for r in small) >= min_group else None
    return {r: (r if n >= min_group else folded) for r, n in counts.items()}


def fold_roles(marks: pd.DataFrame, min_group: int) -> pd.DataFrame:
    """``marks`` with each member's role replaced by its :func:`role_groups` group.

    Members whose role is left out are dropped (for role figures only: team figures keep every member).
    """
    if marks.empty:
        return marks
    members = marks.drop_duplicates("respondent_id")
    groups = role_groups(members["role"], min_group)
    out = marks.assign(role=cast("pd.Series", marks["role"]).map(groups))
    return cast("pd.DataFrame", out[out["role"].notna()]).reset_index(drop=True)


def role_medians(marks: pd.DataFrame, field: str = "current") -> pd.DataFrame:
    """Median of ``field`` by role (rows, sorted) and spectrum (columns, in order); NaN where a role has no mark."""
    values = marks[field].to_numpy(dtype=float, na_value=np.nan)
    present = ~np.isnan(values) & marks["role"].notna().to_numpy()
    if not present.any():
        return pd.DataFrame(columns=pd.Index(list(SPECTRUM_IDS)), dtype=float)
    roles = marks["role"].to_numpy()[present]
    spectra = marks["spectrum"].to_numpy()[present]
    values = values[present]
    names = sorted(set(roles))
    table = np.full((len(names), len(SPECTRUM_IDS)), np.nan)
    for i, role in enumerate(names):  # numpy per role and spectrum: a pivot table costs a report several times this
        mine = roles == role
        for j, sid in enumerate(SPECTRUM_IDS):
            cell = values[mine & (spectra == sid)]
            if len(cell):
                table[i, j] = np.median(cell)
    return pd.DataFrame(table, index=pd.Index(names, name="role"),
                        columns=pd.Index(list(SPECTRUM_IDS), name="spectrum"))


def role_differences(marks: pd.DataFrame, field: str = "current", medians: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per spectrum, how far apart the roles' medians are, largest first.

    Columns: spectrum, roles (number of roles with a mark), low_role, low, high_role, high, difference.
    Needs at least two roles on a spectrum; others are left out. ``medians``: :func:`role_medians` of the
    same marks and field, when the caller has it already.
    """
    table = role_medians(marks, field) if medians is None else medians
    rows = []
    roles = list(table.index)
    for spectrum in table.columns:
        col = table[spectrum].to_numpy(dtype=float)
        marked = [i for i in range(len(col)) if not np.isnan(col[i])]
        if len(marked) < 2:
            continue
        low = min(marked, key=lambda i: col[i])  # the first role with the lowest median, as idxmin
        high = max(marked, key=lambda i: col[i])  # max keeps the first of equal values too, as idxmax
        rows.append({"spectrum": spectrum, "roles": len(marked), "low_role": roles[low], "low": col[low],
                     "high_role": roles[high], "high": col[high], "difference": col[high] - col[low]})
    frame = pd.DataFrame(rows, columns=pd.Index(["spectrum", "roles", "low_role", "low", "high_role", "high",
                                                 "difference"]))
    if frame.empty:
        return frame
    frame["order"] = [SPECTRUM_IDS.index(s) for s in frame["spectrum"]]
    return frame.sort_values(["difference", "order"], ascending=[False, True]).drop(columns="order") \
        .reset_index(drop=True)


def survey_benchmark(marks: pd.DataFrame, survey: pd.DataFrame) -> pd.DataFrame:
    """The team's current state beside the national survey (86 respondents, leaders of about 60 systems).

    ``survey`` has the columns of ``data/survey_2018.csv`` (index or column ``spectrum``).
    Returns per spectrum: team_n, team_median, team_mean, survey_median, survey_mean,
    share_left, share_mid, share_right, difference (team median minus survey median),
    and ``side``: where the team sits relative to the surveyed systems' median
    ('left', 'right', 'same' or '' when the team has no mark).
    """
    team = cast("pd.DataFrame", summary(marks, "current")[["n", "median", "mean"]]).rename(
        columns={"n": "team_n", "median": "team_median", "mean": "team_mean"})
    ref = survey.set_index("spectrum") if "spectrum" in survey.columns else survey
    ref = ref.reindex(list(SPECTRUM_IDS))
    shares = cast("pd.DataFrame", ref[["n", "median", "mean", "share_left", "share_mid", "share_right"]])
    out = team.join(shares.rename(columns={"n": "survey_n", "median": "survey_median", "mean": "survey_mean"}))
    out["difference"] = out["team_median"] - out["survey_median"]
    out["side"] = np.select([out["difference"] < 0, out["difference"] > 0, out["difference"] == 0],
                            ["left", "right", "same"], default="")
    return out


def district_pathways(marks: pd.DataFrame, field: str = "current") -> pd.DataFrame:
    """Median pathway per district: rows district (slug), columns the seven spectra.

    ``marks`` needs a ``district`` column besides the usual ones.
    """
    data = marks.dropna(subset=[field])
    if data.empty:
        return pd.DataFrame(columns=pd.Index(list(SPECTRUM_IDS)), dtype=float)
    table = data.pivot_table(index="district", columns="spectrum", values=field, aggfunc="median")
    return table.reindex(columns=list(SPECTRUM_IDS))


def peers(pathways: pd.DataFrame, district: str, k: int = 5, segments: pd.DataFrame | None = None) -> pd.DataFrame:
    """The ``k`` districts whose pathways lie nearest to ``district``'s ("doppelganger districts").

    Distance is the root-mean-square difference over the spectra both districts marked
    (so it stays on the 0-4 scale of the marks); districts sharing no marked spectrum are
    skipped. Ties are broken by slug. With ``segments`` (index slug; columns such as kind,
    urbanicity, size band), each peer lists the segments it shares with ``district``.
    Returns columns: district, distance, spectra (how many compared), shared.
    """
    if district not in pathways.index:
        raise KeyError(f"{district!r} has no pathway to compare")
    me = pathways.loc[district]
    others = pathways.drop(index=district)
    diff = others.sub(me, axis=1)
    counted = diff.notna().sum(axis=1)
    rms = np.sqrt((diff ** 2).sum(axis=1, min_count=1) / counted.replace(0, np.nan))
    frame = pd.DataFrame({"district": others.index, "distance": rms.values, "spectra": counted.values})
    frame = cast("pd.DataFrame", frame[frame["spectra"] > 0]).sort_values(["distance", "district"]).head(k) \
        .reset_index(drop=True)
    if segments is not None and district in segments.index:
        mine = segments.loc[district]
        frame["shared"] = [
            ", ".join(f"{col}: {mine[col]}" for col in segments.columns
                      if pd.notna(mine[col]) and p in segments.index and segments.loc[p, col] == mine[col])
            for p in frame["district"]
        ]
    else:
        frame["shared"] = ""
    return frame


def change(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """How the team's median pathway moved between two sessions, per spectrum and field.

    Columns: current_before, current_after, current_change, aspiration_before,
    aspiration_after, aspiration_change (NaN where either session has no mark).
    """
    a, b = median_pathway(before), median_pathway(after)
    out = pd.DataFrame(index=pd.Index(list(SPECTRUM_IDS), name="spectrum"))
    for f in FIELDS:
        out[f"{f}_before"] = a[f]
        out[f"{f}_after"] = b[f]
        out[f"{f}_change"] = b[f] - a[f]
    return out


def members_marked(marks: pd.DataFrame) -> int:
    """How many members marked anything (now or aspiration) on at least one spectrum."""
    if marks.empty:
        return 0
    any_mark = marks[list(FIELDS)].notna().any(axis=1)
    return int(marks.loc[any_mark, "respondent_id"].nunique())


def movement(before: pd.DataFrame, after: pd.DataFrame, min_group) -> dict:
    """How a team's median pathway moved between two sessions, as far as a view beyond the team may show it.

    ``min_group``: the fewest members a shown median may stand for, one number for both sessions or a pair
    ``(before, after)`` (each session's own minimum group size, or a view's own when that is larger). A
    median is shown only where at least that many members marked it (per session, spectrum and field):
    with fewer, the "median" may be one member's own marks. Returns a dict:

    - ``moved``: :func:`change`'s frame with every withheld median NaN (so is each change with a withheld end);
    - ``shown``: ``{"before": bool, "after": bool}``, whether any median of that session is left to show;
    - ``withheld``: ``{"before": k, "after": k}``, how many of that session's marked medians were withheld;
    - ``members``: ``{"before": n, "after": n}``, members who marked anything in each session;
    - ``min_group``: ``{"before": m, "after": m}``, the rule applied.
    """
    low = (min_group, min_group) if isinstance(min_group, (int, np.integer)) else tuple(min_group)
    if len(low) != 2:
        raise ValueError(f"min_group: one number or a pair (before, after), not {min_group!r}")
    limits = {"before": max(int(low[0]), 1), "after": max(int(low[1]), 1)}
    moved = change(before, after)
    out = {"moved": moved, "shown": {}, "withheld": {}, "members": {}, "min_group": limits}
    for side, marks in (("before", before), ("after", after)):
        withheld = 0
        for f in FIELDS:
            n = summary(marks, f)["n"]
            few = (n < limits[side]) & moved[f"{f}_{side}"].notna()
            withheld += int(few.sum())
            moved.loc[few[few].index, [f"{f}_{side}", f"{f}_change"]] = np.nan
        out["withheld"][side] = withheld
        out["shown"][side] = bool(moved[[f"{f}_{side}" for f in FIELDS]].notna().to_numpy().any())
        out["members"][side] = members_marked(marks)
    return out


# ------------------------------------------------------------ conditions for scale

def condition_matrix(cmarks: pd.DataFrame, condition_ids: list[str]) -> pd.DataFrame:
    """Members x conditions ratings (rows labelled by member, columns in framework order)."""
    if cmarks.empty:
        return pd.DataFrame(columns=pd.Index(condition_ids), dtype=float)
    table = cmarks.pivot_table(index="member", columns="condition", values="rating", aggfunc="first")
    return table.reindex(columns=condition_ids)


def condition_summary(cmarks: pd.DataFrame, condition_ids: list[str], layer_of: dict) -> pd.DataFrame:
    """Per condition: layer, n, median, mean, iqr, range, priority votes; framework order.

    A condition nobody rated has n = 0 and NaN statistics; votes count the marks whose ``priority`` is set.
    """
    # numpy per condition (:func:`_describe`, as :func:`summary`), not a pandas groupby: sixteen conditions
    rows = []
    if cmarks.empty:
        rows = [(0, np.nan, np.nan, np.nan, np.nan, 0) for _ in condition_ids]
    else:
        ratings = cmarks["rating"].to_numpy(dtype=float, na_value=np.nan)
        conditions = cmarks["condition"].to_numpy()
        priority = cmarks["priority"].astype(bool).to_numpy()
        rated = ~np.isnan(ratings)
        for cid in condition_ids:
            here = conditions == cid
            n, med, mean, q1, q3, low, high = _describe(ratings[here & rated])
            rows.append((n, med, mean, q3 - q1, high - low, int(priority[here].sum())))
    out = pd.DataFrame(rows, columns=pd.Index(["n", "median", "mean", "iqr", "range", "votes"]),
                       index=pd.Index(condition_ids, name="condition"))
    layers = [layer_of[c] for c in condition_ids]
    out.insert(0, "layer", layers)  # pyright: ignore[reportArgumentType]  # pandas' annotation leaves out lists
    for col in ("n", "votes"):
        out[col] = out[col].astype(int)
    for col in ("median", "mean", "iqr", "range"):
        out[col] = out[col].astype(float)
    return out


def layer_summary(csum: pd.DataFrame) -> pd.DataFrame:
    """Per layer: median of the conditions' medians, the lowest-rated condition, total priority votes.

    Layers in the order they first appear in ``csum``; a layer with no rated condition has a NaN median
    and no lowest condition.
    """
    parts: dict = {}
    for cid, layer, med, votes in zip(csum.index, csum["layer"], csum["median"], csum["votes"]):
        part = parts.setdefault(layer, {"rated": [], "votes": 0})
        part["votes"] += int(votes)
        if not pd.isna(med):
            part["rated"].append((float(med), cid))
    rows = []
    for layer, part in parts.items():
        rated = part["rated"]
        lowest = min(rated, key=lambda r: r[0])[1] if rated else None  # the first of equal lowest medians
        rows.append({"layer": layer,
                     "median_of_medians": median(m for m, _ in rated) if rated else np.nan,
                     "lowest": lowest, "votes": part["votes"]})
    return pd.DataFrame(rows).set_index("layer") if rows else pd.DataFrame()


def top_priorities(csum: pd.DataFrame, k: int = 3) -> list[str]:
    """Conditions with the most priority votes (at least one), ties by framework order, at most ``k``."""
    voted = [(-int(v), i, cid) for i, (cid, v) in enumerate(zip(csum.index, csum["votes"])) if v > 0]
    return [cid for _, _, cid in sorted(voted)[:k]]


# ------------------------------------------------------------ network segments (as the survey groups systems)

# The national survey's segments, as *Look Both Ways* (2018) names them. Its "Overview of Respondents" charts
# its respondents by six characteristics (86 rated the seven questions; the quick facts say 89 leaders from 60
# systems completed it, the text around them "nearly 100 respondents from more than 60 systems"). The charts
# are images: the source text keeps only their titles and n, and the findings name some of their bands. The
# workbook's reading, segment by segment:
#
# - "Respondents by System" (n=85): districts, CMOs, private schools ("three"), single-site entities. Kinds
#   district, cmo, private, other are labelled District, CMO, Private school, Other.
# - "Respondents by System Size" (n=75; non-district respondents excluded), in schools ("ranging from 1 school
#   to 600"). Named bands: "Larger systems (60–100 schools)" and "over 100 schools" (twice; the quick facts say
#   "100 schools or more" once: read as over 100, so 100 itself stays in 60–100). Below 60 the text names no
#   band: 1–9, 10–24 and 25–59 schools are the workbook's own. Every kind of system gets a size here.
# - "Respondents by Schools Served" (n=86): the settings of the schools a system serves, read from the findings
#   ("urban systems", "rural systems", "suburban schools", "systems serving all types of schools", "serving
#   diverse range of geographies"). Urban, Suburban, Rural; mixed is "All types (mixed)".
# - "Respondents by Percent Students Qualifying for Free-and-Reduced Lunch" (n=84). Named bands: "<10%",
#   "75–100% FRL", and ">50–99%" for the two upper bands together, which makes the band below 75 start at 50
#   (50–74%). Between 10 and 50 the text names no band: 10–24% and 25–49% are the workbook's own.
# - "Respondents by Stage of Implementation: Years Scaling" (n=86). Named band: "3+ years" ("systems 3+ years
#   into scaling"); under 1 year, 1 year and 2 years are the workbook's own (the findings speak of systems
#   "just starting" and "early in the process").
# - "Respondents by System Penetration: Percent Schools Engaged" (n=80; non-district respondents excluded): the
#   share of a system's schools engaged in its blended/personalized learning work. Named band: "10–25% of
#   schools engaged" (25 included, so the next band starts above it); under 10%, 26–50%, 51–75% and 76–100%
#   are the workbook's own.
SEGMENT_NAMES = {"kind": "System", "size": "System size", "urbanicity": "Schools served",
                 "frl": "Free-and-reduced lunch", "years": "Years scaling", "engaged": "Schools engaged"}
"""Each segment's name, as the survey's charts of respondents name it (short forms of their titles)."""
KIND_LABELS = {"district": "District", "cmo": "CMO", "private": "Private school", "other": "Other"}
SETTING_LABELS = {"urban": "Urban", "suburban": "Suburban", "rural": "Rural", "mixed": "All types (mixed)"}
SIZE_BANDS = ((10, 25, 60, 101), ("1–9 schools", "10–24 schools", "25–59 schools", "60–100 schools",
                                  "over 100 schools"))
FRL_BANDS = ((10, 25, 50, 75), ("<10% FRL", "10–24% FRL", "25–49% FRL", "50–74% FRL", "75–100% FRL"))
YEARS_BANDS = ((1, 2, 3), ("under 1 year", "1 year", "2 years", "3+ years"))
ENGAGED_BANDS = ((10, 25, 50, 75), ("under 10% of schools engaged", "10–25% of schools engaged",
                                    "26–50% of schools engaged", "51–75% of schools engaged",
                                    "76–100% of schools engaged"))
"""Bands as (edges, labels). A value on an edge belongs to the band above it, except for the share of schools
engaged, whose bands above 10% include their upper edge (the survey's "10–25%")."""
SEGMENT_ORDER = {"kind": tuple(KIND_LABELS.values()), "size": SIZE_BANDS[1],
                 "urbanicity": tuple(SETTING_LABELS.values()), "frl": FRL_BANDS[1], "years": YEARS_BANDS[1],
                 "engaged": ENGAGED_BANDS[1]}
"""Each segment's labels in the order a filter lists them."""


def _band(values, edges, labels, upper_closed: bool = False):
    """Each value's band label (None where the value is missing or not a number)."""
    numbers = cast("pd.Series", pd.to_numeric(pd.Series(values, dtype=object), errors="coerce")).to_numpy(dtype=float)
    if upper_closed:  # (edges[0]..edges[1]], (edges[1]..edges[2]] ...; below edges[0] the first band
        where = np.where(numbers < edges[0], 0, 1 + np.searchsorted(edges[1:], numbers, side="left"))
    else:
        where = np.searchsorted(edges, numbers, side="right")
    out = np.asarray(labels, dtype=object)[np.minimum(where, len(labels) - 1)]
    out[np.isnan(numbers)] = None
    return out


def segments(table: pd.DataFrame) -> pd.DataFrame:
    """The survey's segments per district, as labels: kind, size, urbanicity, FRL, years scaling, schools engaged.

    ``table``: one row per district with kind, schools, urbanicity, frl_percent, years_scaling and (optional)
    engaged_percent. Columns are the keys of :data:`SEGMENT_NAMES`; a missing value stays missing (None).
    """
    def labelled(values, labels):
        return [None if pd.isna(v) else labels.get(v, v) for v in values]

    missing = [None] * len(table)
    out = pd.DataFrame(index=table.index)
    out["kind"] = labelled(table["kind"], KIND_LABELS)
    out["size"] = _band(table["schools"], *SIZE_BANDS)
    out["urbanicity"] = labelled(table["urbanicity"], SETTING_LABELS)
    out["frl"] = _band(table["frl_percent"], *FRL_BANDS)
    out["years"] = _band(table["years_scaling"], *YEARS_BANDS)
    engaged = table["engaged_percent"] if "engaged_percent" in table.columns else missing
    out["engaged"] = _band(engaged, *ENGAGED_BANDS, upper_closed=True)
    return out


def network_pathways(marks: pd.DataFrame, min_members: int = 1, min_marks: int = 1) -> pd.DataFrame:
    """Median current pathway per district, for districts where at least ``min_members`` members marked.

    A spectrum's median needs at least ``min_marks`` marks of that spectrum (what ``Store.network_summaries``
    keeps: never fewer than the network's minimum group), else it is left empty.
    """
    marked = marks.dropna(subset=["current"])
    counts = cast("pd.Series", marked.groupby("district")["respondent_id"].nunique())
    keep = cast("pd.Series", counts[counts >= min_members]).index
    table = district_pathways(cast("pd.DataFrame", marks[cast("pd.Series", marks["district"]).isin(keep)]))
    if min_marks > 1 and not table.empty:
        per_spectrum = marked.pivot_table(index="district", columns="spectrum", values="current", aggfunc="count")
        per_spectrum = per_spectrum.reindex(index=table.index, columns=table.columns).fillna(0)
        table = table.where(per_spectrum >= min_marks)
    return table


def summary_pathways(summaries: list[dict], min_members: int = 1) -> pd.DataFrame:
    """:func:`network_pathways` from per-session summaries (``Store.network_summaries``) instead of marks.

    ``summaries``: one dict per district with ``district``, ``members`` (members who marked "now") and
    ``medians`` ({spectrum: median "now" mark}). Same rows (districts by slug), columns and values. A summary
    that carries its session's ``min_group_size`` needs that many members too, when it is the larger.
    """
    kept = sorted((s for s in summaries if s["members"] >= max(min_members, s.get("min_group_size") or 1, 1)),
                  key=lambda s: s["district"])
    index = pd.Index([s["district"] for s in kept], name="district", dtype=object)
    if not kept:
        return pd.DataFrame(index=index, columns=pd.Index(list(SPECTRUM_IDS)), dtype=float)
    return pd.DataFrame.from_records([s["medians"] for s in kept], index=index, columns=list(SPECTRUM_IDS),
                                     coerce_float=True).astype(float)


# ---------------------------------------------------------------- members and the team's data, as pages show them

def member_labels(marks, respondents, show_names: bool, min_group: int = 1) -> dict:
    """Names when the team chose to show them, else 'Role 1', 'Role 2'.

    A role with fewer than ``min_group`` members is labelled by its wider group ('Other roles 1'), or
    as 'Member 1' when even that group is too small (:func:`role_groups`).
    """
    respondents = list(respondents)
    if show_names:
        return {r.id: r.name for r in respondents}
    groups = role_groups([r.role for r in respondents], min_group)
    labels, counts = {}, {}
    for r in respondents:
        group = groups.get(r.role) or "Member"
        counts[group] = counts.get(group, 0) + 1
        labels[r.id] = f"{group} {counts[group]}"
    return labels


def survey_frame(content):
    """The survey's figures per spectrum, one row each (a DataFrame)."""
    return pd.DataFrame([s.model_dump() for s in content.survey])


def condition_frames(store, content, session, show_names: bool):
    """The team's Step 1 data: member-labelled marks, the summary per condition, names by id.

    ``store`` is a :class:`workbook.store.Store` (read only; this module imports no store).
    """
    cmarks = store.condition_marks(session.id)
    labels = member_labels(None, store.respondents(session.id), show_names, session.min_group_size)
    cmarks["member"] = cmarks["respondent_id"].map(labels)
    ids = [c.id for c in content.conditions]
    layer_of = {c.id: layer.id for layer in content.framework.layers for c in layer.conditions}
    csum = condition_summary(cmarks, ids, layer_of)
    names = {c.id: c.name for c in content.conditions}
    return cmarks, csum, names
