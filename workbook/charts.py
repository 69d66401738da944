"""Pure plotly figure builders: frames and content in, ``go.Figure`` out.

Pathway charts read like the printed Reflection Guide 2: spectra as rows in the guide's
order, the dimension name beside each row, the pole labels at both ends of its track.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go

from . import theme
from ._lazy import np, pd  # pandas loads on first use: a member's page never needs it

ROW_HEIGHT = 72
CONFIG = {"displaylogo": False,
          "toImageButtonOptions": {"format": "svg", "filename": "look-both-ways-chart"},
          "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"]}


POLE_LABELS = "Pole labels"


def _base_layout(title: str | None, height: int) -> dict:
    return dict(
        title=dict(text=title, x=0, xanchor="left", font=dict(size=17)) if title else None,
        height=height, margin=dict(l=170, r=20, t=56 if title else 24, b=40),
        font=dict(family=theme.FONT, color=theme.INK, size=13),
        paper_bgcolor=theme.PAPER, plot_bgcolor=theme.PAPER,
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1),
        hoverlabel=dict(font=dict(family=theme.FONT)),
    )


def _tracks(fig: go.Figure, spectra) -> None:
    """The seven rows: a grey track 1..5, pole labels at its ends, dimension names on the axis."""
    dims = [s.dimension for s in spectra]
    fig.add_trace(go.Scatter(
        x=[v for _ in dims for v in (1, 5, None)], y=[d for d in dims for _ in range(3)],
        mode="lines", line=dict(color=theme.RULE, width=6), hoverinfo="skip", showlegend=False))
    # the fourteen pole labels are one text trace, not layout annotations: plotly re-lays out every
    # annotation on each redraw, which doubled the time a slider move takes to show
    labels = [(x, s.dimension, _two_lines(pole.plain_label), pos)
              for s in spectra for x, pole, pos in ((1, s.left, "top right"), (5, s.right, "top left"))]
    fig.add_trace(go.Scatter(
        x=[p[0] for p in labels], y=[p[1] for p in labels], text=[p[2] for p in labels],
        textposition=[p[3] for p in labels], mode="text", name=POLE_LABELS, hoverinfo="skip", showlegend=False,
        textfont=dict(size=12, color=theme.MUTED)))
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(dims)), showgrid=False,
                     ticks="", automargin=True, tickfont=dict(size=14))
    fig.update_xaxes(range=[0.7, 5.3], tickvals=[1, 2, 3, 4, 5], showgrid=True, gridcolor="#EEF2F6",
                     zeroline=False, fixedrange=True)
    fig.update_yaxes(fixedrange=True)


def _two_lines(label: str, width: int = 16) -> str:
    """Long pole labels on two lines, so the two ends of a narrow chart never run into each other."""
    if len(label) <= width or " " not in label:
        return label
    words = label.split()
    best = min(range(1, len(words)), key=lambda i: abs(len(" ".join(words[:i])) - len(" ".join(words[i:]))))
    return " ".join(words[:best]) + "<br>" + " ".join(words[best:])


def _marked(value) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def point_text(spectrum, value) -> str:
    """The hover text of a marked point on ``spectrum``'s row: 'Pace: 2 of 5, toward Fast'."""
    return f"{spectrum.dimension}: {spectrum.describe(value)}"


def point_texts(spectrum, low: float = 1.0, high: float = 5.0, step: float = 0.5) -> dict[float, str]:
    """:func:`point_text` for every value a mark can take (the browser shows them as a slider moves)."""
    count = int(round((high - low) / step))
    return {low + i * step: point_text(spectrum, low + i * step) for i in range(count + 1)}


def _points(spectra, values: dict) -> tuple[list, list, list]:
    """x, y and hover text of a pathway through ``spectra`` (None where a spectrum is not marked)."""
    xs, ys, texts = [], [], []
    for s in spectra:
        val = values.get(s.id)
        marked = _marked(val)
        xs.append(float(val) if marked else None)
        ys.append(s.dimension)
        texts.append(point_text(s, val) if marked else "")
    return xs, ys, texts


def _line(spectra, values: dict, style: dict, name: str, width: float = 3, opacity: float = 1.0,
          showlegend: bool = True, size: int = 12, hover: bool = True) -> go.Scatter:
    xs, ys, texts = _points(spectra, values)
    return go.Scatter(
        x=xs, y=ys, name=name, mode="lines+markers", connectgaps=False, opacity=opacity, showlegend=showlegend,
        line=dict(color=style["color"], dash=style["dash"], width=width),
        marker=dict(symbol=style["symbol"], size=size, color=style["color"], line=dict(color="#fff", width=1)),
        text=texts, hovertemplate="%{text}<extra>" + name + "</extra>" if hover else None,
        hoverinfo=None if hover else "skip")


def pathway(spectra, current: dict, aspiration: dict, title: str | None = "Your pathway") -> go.Figure:
    """One member's two pathways (now and aspiration) through the seven spectra."""
    fig = go.Figure(layout=_base_layout(title, ROW_HEIGHT * len(spectra) + 90))
    _tracks(fig, spectra)
    fig.add_trace(_line(spectra, current, theme.NOW_STYLE, "Now"))
    fig.add_trace(_line(spectra, aspiration, theme.ASPIRATION_STYLE, "Aspiration"))
    if not any(_marked(v) for v in list(current.values()) + list(aspiration.values())):
        fig.add_annotation(xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False,
                           text="Move a slider to draw your pathway", font=dict(size=15, color=theme.MUTED),
                           bgcolor="rgba(255,255,255,0.85)")
    return fig


def update_pathway(fig: go.Figure, spectra, current: dict, aspiration: dict) -> go.Figure:
    """Move the Now and Aspiration lines of a :func:`pathway` figure in place (no rebuild)."""
    for name, values in (("Now", current), ("Aspiration", aspiration)):
        xs, _ys, texts = _points(spectra, values)
        trace = next(t for t in fig.data if t.name == name)
        trace.update(x=xs, text=texts)
    marked = any(_marked(v) for v in list(current.values()) + list(aspiration.values()))
    fig.layout.annotations = [a for a in fig.layout.annotations if a.xref != "paper" or not marked]
    return fig


def team_pathways(spectra, marks: pd.DataFrame, median: pd.DataFrame, agreed: pd.DataFrame | None = None,
                  labels: dict | None = None, title: str | None = "Team pathways",
                  spread: dict | None = None, members: bool = True) -> go.Figure:
    """The team median (bold), the team's spread or every member's pathway, and the agreed marks if any.

    ``spread`` maps ``current`` and ``aspiration`` to :func:`workbook.analysis.summary` frames: each draws
    a translucent band from the lower to the upper quartile on every spectrum, so a room sees at a glance
    where the middle half of the team stands. ``members`` draws each member's pathways (thin, translucent);
    ``labels`` maps respondent_id to the name shown in their hover (role only when anonymised).
    """
    fig = go.Figure(layout=_base_layout(title, ROW_HEIGHT * len(spectra) + 100))
    _tracks(fig, spectra)
    for field, style in (("current", theme.NOW_STYLE), ("aspiration", theme.ASPIRATION_STYLE)):
        if spread is not None and field in spread:
            for trace in _band(spectra, spread[field], style):
                fig.add_trace(trace)
    labels = labels or {}
    for rid, part in (marks.groupby("respondent_id", sort=True) if members else ()):
        vals = part.set_index("spectrum")
        who = labels.get(rid, f"Member {rid}")
        for field, style in (("current", theme.NOW_STYLE), ("aspiration", theme.ASPIRATION_STYLE)):
            fig.add_trace(_line(spectra, vals[field].to_dict(), style, f"{who} ({style['label'].lower()})",
                                width=1.5, opacity=0.35, showlegend=False, size=7))
    fig.add_trace(_line(spectra, median["current"].to_dict(), theme.NOW_STYLE, "Team median, now", width=4))
    fig.add_trace(_line(spectra, median["aspiration"].to_dict(), theme.ASPIRATION_STYLE,
                        "Team median, aspiration", width=4))
    if agreed is not None and not agreed.empty:
        ag = agreed.set_index("spectrum")
        for field, style in (("current", theme.NOW_STYLE), ("aspiration", theme.ASPIRATION_STYLE)):
            trace = _line(spectra, ag[field].to_dict(), style, f"Agreed {style['label'].lower()}", width=0)
            trace.mode = "markers"
            trace.marker.update(symbol=style["symbol"] + "-open", size=20, line=dict(width=3, color=style["color"]))
            fig.add_trace(trace)
    if marks.empty and median.isna().all().all():
        _empty(fig, "Nobody has charted a pathway yet")
    return fig


BAND_OPACITY = 0.22


def _band(spectra, stats: pd.DataFrame, style: dict) -> list[go.Scatter]:
    """The middle half of the team on ``stats``' field as filled ribbons (one per run of marked spectra)."""
    name = f"Middle half of the team, {style['label'].lower()}"
    runs, run = [], []
    for s in spectra:
        row = stats.loc[s.id] if s.id in stats.index else None
        if row is None or pd.isna(row["q1"]):
            if run:
                runs.append(run)
            run = []
            continue
        run.append((s.dimension, float(row["q1"]), float(row["q3"])))
    if run:
        runs.append(run)
    traces = []
    for i, run in enumerate(runs):
        # a spectrum on its own, or where the whole middle half agrees, still shows as a short bar
        lows = [min(lo, hi - 0.08) for _d, lo, hi in run]
        highs = [max(hi, lo + 0.08) for _d, lo, hi in run]
        ys = [d for d, _lo, _hi in run]
        if len(run) == 1:
            xs, yy = [lows[0], highs[0]], [ys[0], ys[0]]
            traces.append(go.Scatter(x=xs, y=yy, mode="lines", name=name, legendgroup=name, showlegend=i == 0,
                                     line=dict(color=style["color"], width=18), opacity=BAND_OPACITY,
                                     hoverinfo="skip"))
            continue
        traces.append(go.Scatter(
            x=lows + highs[::-1], y=ys + ys[::-1], mode="lines", fill="toself", name=name, legendgroup=name,
            showlegend=i == 0, fillcolor=style["color"], opacity=BAND_OPACITY, line=dict(width=0),
            hoverinfo="skip"))
    return traces


def _empty(fig: go.Figure, text: str) -> None:
    fig.add_annotation(xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False, text=text,
                       font=dict(size=15, color=theme.MUTED), bgcolor="rgba(255,255,255,0.85)")


def alignment(spectra, marks: pd.DataFrame, field: str = "current", title: str | None = None) -> go.Figure:
    """A box per spectrum of the members' marks, drawn like the survey's box plot."""
    style = theme.NOW_STYLE if field == "current" else theme.ASPIRATION_STYLE
    title = title or f"Where the team agrees: {style['label'].lower()}"
    fig = go.Figure(layout=_base_layout(title, ROW_HEIGHT * len(spectra) + 90))
    _tracks(fig, spectra)
    dims = {s.id: s.dimension for s in spectra}
    data = marks.dropna(subset=[field])
    fig.add_trace(go.Box(
        x=data[field], y=[dims[s] for s in data["spectrum"]], orientation="h", name=style["label"],
        marker=dict(color=style["color"], symbol=style["symbol"]), line=dict(color=style["color"]),
        boxpoints="all", jitter=0.3, pointpos=0, fillcolor="rgba(0,0,0,0.04)", showlegend=False,
        hovertemplate="%{y}: %{x}<extra></extra>"))
    if data.empty:
        _empty(fig, "Nobody has marked this yet")
    return fig


def roles(spectra, role_medians: pd.DataFrame, title: str | None = "Median by role (now)") -> go.Figure:
    """One line per role through the spectra (markers differ by role as well as shade)."""
    fig = go.Figure(layout=_base_layout(title, ROW_HEIGHT * len(spectra) + 90))
    _tracks(fig, spectra)
    symbols = ["circle", "square", "triangle-up", "diamond", "cross", "x", "star", "hexagon"]
    shades = ["#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#D55E00", "#000000", "#F0E442"]
    for i, (role, row) in enumerate(role_medians.iterrows()):
        style = {"color": shades[i % len(shades)], "dash": "solid", "symbol": symbols[i % len(symbols)]}
        fig.add_trace(_line(spectra, row.to_dict(), style, str(role), width=2))
    if role_medians.empty:
        _empty(fig, "No marks yet")
    return fig


def gaps(spectra, gap_table: pd.DataFrame, title: str | None = "Widest gaps between now and aspiration") -> go.Figure:
    """Horizontal bars of aspiration minus now, widest at the top; the sign says which pole it moves toward."""
    by_id = {s.id: s for s in spectra}
    table = gap_table.iloc[::-1]
    labels = [by_id[s].dimension for s in table["spectrum"]]
    hover = [f"{by_id[s].dimension}: move {abs(g):g} toward "
             f"{(by_id[s].right if g > 0 else by_id[s].left).plain_label}" if g else f"{by_id[s].dimension}: no gap"
             for s, g in zip(table["spectrum"], table["gap"])]
    fig = go.Figure(layout=_base_layout(title, 60 + 44 * max(len(table), 1)))
    fig.add_trace(go.Bar(x=table["gap"], y=labels, orientation="h", marker_color=theme.ASPIRATION,
                         text=[f"{g:+g}" for g in table["gap"]], textposition="outside", hovertext=hover,
                         hoverinfo="text"))
    fig.update_xaxes(range=[-4.5, 4.5], zeroline=True, zerolinecolor=theme.INK,
                     title="← toward left pole · toward right pole →")
    if table.empty:
        _empty(fig, "No gaps yet: mark both now and aspiration")
    return fig


def survey(spectra, bench: pd.DataFrame, title: str | None = "Your team and the national survey (n=86)") -> go.Figure:
    """The team's median current state beside the surveyed systems' median and mean."""
    fig = go.Figure(layout=_base_layout(title, ROW_HEIGHT * len(spectra) + 90))
    _tracks(fig, spectra)
    dims = [s.dimension for s in spectra]
    b = bench.reindex([s.id for s in spectra])
    shares = []
    for s, (_, row) in zip(spectra, b.iterrows()):
        parts = [f"{lab}: {row[col]:g}%" for lab, col in ((s.left.plain_label, "share_left"), ("middle", "share_mid"),
                                                          (s.right.plain_label, "share_right")) if pd.notna(row[col])]
        shares.append("<br>".join(parts) if parts else "no distribution given in the report")
    fig.add_trace(go.Scatter(x=b["survey_median"], y=dims, mode="markers", name="Survey median",
                             marker=dict(symbol="square", size=13, color=theme.SURVEY), customdata=shares,
                             hovertemplate="%{y}: survey median %{x}<br>%{customdata}<extra></extra>"))
    fig.add_trace(go.Scatter(x=b["survey_mean"], y=dims, mode="markers", name="Survey mean",
                             marker=dict(symbol="x-thin-open", size=13, color=theme.SURVEY, line=dict(width=2)),
                             hovertemplate="%{y}: survey mean %{x}<extra></extra>"))
    fig.add_trace(_line(spectra, b["team_median"].to_dict(), theme.NOW_STYLE, "Your team (median, now)"))
    return fig


def change(spectra, moved: pd.DataFrame, title: str | None = "How the team's pathway moved") -> go.Figure:
    """Before (open markers) and after (filled) median pathways with arrows between them."""
    fig = go.Figure(layout=_base_layout(title, ROW_HEIGHT * len(spectra) + 90))
    _tracks(fig, spectra)
    for field, style in (("current", theme.NOW_STYLE), ("aspiration", theme.ASPIRATION_STYLE)):
        before = _line(spectra, moved[f"{field}_before"].to_dict(), style, f"{style['label']}, earlier", width=1.5,
                       opacity=0.6)
        before.marker.symbol = style["symbol"] + "-open"
        fig.add_trace(before)
        fig.add_trace(_line(spectra, moved[f"{field}_after"].to_dict(), style, f"{style['label']}, later"))
    return fig


# ------------------------------------------------------------ conditions for scale

def condition_numbers(framework) -> dict[str, int]:
    """Each condition's number on the rings chart and in its key (1-16, in the framework's order, ring by ring)."""
    return {c.id: i for i, c in enumerate((c for layer in framework.layers for c in layer.conditions), start=1)}


def framework_rings(framework, medians: dict | None = None, title: str | None = None) -> go.Figure:
    """The framework as the source draws it: the student-centered design at the centre, three rings of conditions.

    Each ring is a layer; each segment a condition, coloured by layer (or, with ``medians``, by the team's
    median rating on one colour-blind-safe scale, with its colour bar). A segment carries its condition's
    number (the key beside the chart names it: :func:`workbook.html.conditions.rings_key`) and, with
    ``medians``, the median itself, in whichever of white or ink reads best on the segment's colour: nothing
    needs a hover to be understood, and long names never overlap. Hover still gives the description.
    """
    numbers = condition_numbers(framework)
    fig = go.Figure()
    fig.add_trace(go.Barpolar(r=[1], base=0, theta=[0], width=[360], marker_color=theme.CORE,
                              name=framework.core.name, hovertext=[f"<b>{framework.core.name}</b>"],
                              hoverinfo="text", showlegend=False))
    for layer in framework.layers:
        n = len(layer.conditions)
        width = 360 / n
        thetas = [width * (i + 0.5) for i in range(n)]
        if medians:
            colours = [_rating_colour(medians.get(c.id)) for c in layer.conditions]
        else:
            colours = [theme.LAYER_COLOURS[layer.id]] * n
        hover = [f"<b>{numbers[c.id]}. {c.name}</b> ({layer.name})<br>{_wrap(c.description)}"
                 + (f"<br>Team median: {medians[c.id]:g} of 5" if medians and medians.get(c.id) is not None else "")
                 for c in layer.conditions]
        fig.add_trace(go.Barpolar(r=[1] * n, base=layer.ring, theta=thetas, width=[width] * n, name=layer.name,
                                  marker=dict(color=colours, line=dict(color="#fff", width=2)),
                                  hovertext=hover, hoverinfo="text", showlegend=not medians))
        for c, th, colour in zip(layer.conditions, thetas, colours):
            value = medians.get(c.id) if medians else None
            text = f"<b>{numbers[c.id]}</b>" + (f"<br>{value:g}" if value is not None else ("<br>—" if medians else ""))
            fig.add_trace(go.Scatterpolar(r=[layer.ring + 0.5], theta=[th], mode="text", text=[text],
                                          textfont=dict(size=15, color=_readable_on(colour)),
                                          hoverinfo="skip", showlegend=False))
    fig.add_trace(go.Scatterpolar(r=[0], theta=[0], mode="text", text=["Student-Centered<br>Design"],
                                  textfont=dict(size=12, color=_readable_on(theme.CORE)), hoverinfo="skip",
                                  showlegend=False))
    if medians:
        # the colour scale, read without hovering: 1 (not aligned at all) to 5 (fully aligned); grey: not rated
        fig.add_trace(go.Scatterpolar(r=[None], theta=[None], mode="markers", hoverinfo="skip", showlegend=False,
                                      marker=dict(color=[1], cmin=1, cmax=5, colorscale=theme.RATING_SCALE,
                                                  showscale=True, colorbar=dict(
                                                      title=dict(text="Team median", side="right"),
                                                      tickvals=[1, 2, 3, 4, 5], thickness=14, len=0.75,
                                                      ticktext=["1 not aligned", "2", "3 on our way", "4",
                                                                "5 fully aligned"]))))
    fig.update_layout(
        title=dict(text=title, x=0) if title else None, height=640, margin=dict(l=20, r=20, t=50, b=20),
        font=dict(family=theme.FONT, color=theme.INK), paper_bgcolor=theme.PAPER,
        polar=dict(radialaxis=dict(visible=False, range=[0, 4]), angularaxis=dict(visible=False),
                   bgcolor=theme.PAPER, hole=0),
        legend=dict(orientation="h", y=-0.02))
    return fig


def _luminance(colour: str) -> float:
    """The WCAG relative luminance of a ``#rrggbb`` or ``rgb(r, g, b)`` colour."""
    if colour.startswith("#"):
        rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    else:
        rgb = [float(x) for x in colour[colour.index("(") + 1:colour.index(")")].split(",")[:3]]
    lin = [(c / 255) / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    """The WCAG contrast ratio of two colours (1 to 21)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _readable_on(colour: str) -> str:
    """White or black, whichever contrasts more with ``colour`` (the middle of the rating scale needs pure black)."""
    return "#FFFFFF" if contrast("#FFFFFF", colour) >= contrast("#000000", colour) else "#000000"


def _wrap(text: str, width: int = 60) -> str:
    words, lines, line = text.split(), [], ""
    for w in words:
        if len(line) + len(w) + 1 > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line)
    return "<br>".join(lines)


def _rating_colour(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "#E4E7EB"
    from plotly.colors import sample_colorscale

    return sample_colorscale(theme.RATING_SCALE, [(float(value) - 1) / 4])[0]


def heatmap(matrix: pd.DataFrame, names: dict, scale_labels: dict,
            title: str | None = "Ratings by member and condition") -> go.Figure:
    """Members (rows) x conditions (columns), coloured by rating 1..5, the value written in each cell."""
    cols = [names[c] for c in matrix.columns]
    z = matrix.to_numpy(dtype=float)
    text = [["" if math.isnan(v) else f"{v:g}" for v in row] for row in z]
    fig = go.Figure(go.Heatmap(
        z=z, x=cols, y=[str(i) for i in matrix.index], zmin=1, zmax=5, colorscale=theme.RATING_SCALE,
        text=text, texttemplate="%{text}", hovertemplate="%{y}<br>%{x}: %{z}<extra></extra>",
        colorbar=dict(title="Alignment", tickvals=list(scale_labels), ticktext=list(scale_labels.values()))))
    fig.update_layout(**_base_layout(title, 140 + 34 * max(len(matrix), 1)))
    fig.update_layout(margin=dict(l=160, r=20, t=60, b=160))
    fig.update_xaxes(tickangle=-40, side="bottom")
    fig.update_yaxes(autorange="reversed")
    if matrix.empty:
        _empty(fig, "Nobody has rated the conditions yet")
    return fig


def condition_spread(csum: pd.DataFrame, names: dict, title: str | None = "Where the team agrees least") -> go.Figure:
    """Bars of each condition's spread (IQR), least agreement at the top; votes in the hover."""
    data = csum.dropna(subset=["iqr"]).sort_values("iqr")
    fig = go.Figure(go.Bar(
        x=data["iqr"], y=[names[c] for c in data.index], orientation="h",
        marker_color=[theme.LAYER_COLOURS[layer] for layer in data["layer"]],
        customdata=list(zip(data["median"], data["votes"])),
        hovertemplate="%{y}<br>spread (IQR) %{x}<br>median %{customdata[0]}<br>priority votes %{customdata[1]}"
                      "<extra></extra>"))
    fig.update_layout(**_base_layout(title, 80 + 26 * max(len(data), 1)))
    fig.update_layout(margin=dict(l=230, r=20, t=56, b=40))
    fig.update_xaxes(title="Spread of ratings (interquartile range)", rangemode="tozero")
    if data.empty:
        _empty(fig, "Needs ratings from at least one member")
    return fig


def votes(csum: pd.DataFrame, names: dict, title: str | None = "Priority votes") -> go.Figure:
    """Horizontal bars of the priority votes each voted condition received, coloured by layer, most at the top."""
    data = csum[csum["votes"] > 0].sort_values("votes")
    fig = go.Figure(go.Bar(x=data["votes"], y=[names[c] for c in data.index], orientation="h",
                           marker_color=[theme.LAYER_COLOURS[layer] for layer in data["layer"]],
                           hovertemplate="%{y}: %{x} vote(s)<extra></extra>"))
    fig.update_layout(**_base_layout(title, 80 + 30 * max(len(data), 1)))
    fig.update_layout(margin=dict(l=230, r=20, t=56, b=40))
    fig.update_xaxes(dtick=1, rangemode="tozero")
    if data.empty:
        _empty(fig, "No priorities picked yet")
    return fig


def network(spectra, pathways: pd.DataFrame, highlight: str | None = None, peers: list[str] | None = None,
            title: str | None = "Districts across the network (median now)") -> go.Figure:
    """One box per spectrum over districts' median pathways, every district a point; one district highlighted.

    The points are one box trace built from arrays (spectrum by spectrum, districts in the frame's order):
    a thousand districts cost no more Python than ten.
    """
    fig = go.Figure(layout=_base_layout(title, ROW_HEIGHT * len(spectra) + 90))
    _tracks(fig, spectra)
    dims = {s.id: s.dimension for s in spectra}
    values = pathways.to_numpy(dtype=float).T  # spectra x districts
    marked = ~np.isnan(values)
    rows = np.array([dims[c] for c in pathways.columns], dtype=str)
    slugs = pathways.index.to_numpy(dtype=str)
    fig.add_trace(go.Box(orientation="h", name="Districts", boxpoints="all" if len(pathways) <= 300 else "outliers",
                         jitter=0.4, pointpos=0, marker=dict(color=theme.SURVEY, size=4, opacity=0.5),
                         line=dict(color=theme.SURVEY), hovertemplate="%{text}: %{x}<extra></extra>",
                         showlegend=False))
    # the arrays go in once the trace is in the figure: add_trace deep-copies what it is given, label by label
    box = fig.data[-1]
    box.x, box.y = values[marked], np.repeat(rows, marked.sum(axis=1))
    box.text = np.broadcast_to(slugs, values.shape)[marked]
    for slug_list, style, name in ((peers or [], {"color": "#009E73", "dash": "dot", "symbol": "square"}, "Peer"),
                                   ([highlight] if highlight else [], theme.NOW_STYLE, None)):
        for slug in slug_list:
            if slug in pathways.index:
                fig.add_trace(_line(spectra, pathways.loc[slug].to_dict(), style, name or slug,
                                    width=2 if name else 4, showlegend=True))
    return fig
