"""One visual theme for every app and report: colours, type, and the CSS the apps load.

The two pathway colours mean the same thing everywhere: NOW is blue with a solid line
and round markers, ASPIRATION is vermillion with a dashed line and diamond markers
(Okabe-Ito palette, safe for the common colour-vision deficiencies; never colour alone).
"""

from __future__ import annotations

# the modebar of every chart: no plotly logo, a picture saved as SVG, no selection tools
CHART_CONFIG = {"displaylogo": False,
                "toImageButtonOptions": {"format": "svg", "filename": "look-both-ways-chart"},
                "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"]}

NOW = "#0072B2"
ASPIRATION = "#C2410C"  # vermillion, darkened from Okabe-Ito #D55E00 to reach WCAG AA on white
NOW_STYLE = {"color": NOW, "dash": "solid", "symbol": "circle", "label": "Now"}
ASPIRATION_STYLE = {"color": ASPIRATION, "dash": "dash", "symbol": "diamond", "label": "Aspiration"}
INK = "#1F2933"
MUTED = "#52606D"
RULE = "#CBD2D9"
PAPER = "#FFFFFF"
SURVEY = "#4B5563"
LAYER_COLOURS = {  # Okabe-Ito: bluish green, sky blue, orange
    "essential_supports": "#009E73",
    "enabling_systems_and_structures": "#56B4E9",
    "ongoing_processes": "#E69F00",
}
CORE = "#1F2933"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', Arial, sans-serif"
RATING_SCALE = "Cividis"

CSS = f"""
:root {{ --wb-ink: {INK}; --wb-muted: {MUTED}; --wb-rule: {RULE}; --wb-now: {NOW};
        --wb-asp: {ASPIRATION}; --wb-focus: #B45309; }}
body, .jp-Notebook, .jp-OutputArea-output {{ font-family: {FONT}; color: var(--wb-ink); }}
body {{ background: #F5F7FA; }}
.wb-page {{ max-width: 1200px; margin: 0 auto; padding: 8px 16px 48px; font-size: 16px; line-height: 1.5; }}
.wb-page h1 {{ font-size: 1.9rem; margin: 0.4em 0 0.2em; }}
.wb-page h2 {{ font-size: 1.35rem; margin: 1em 0 0.3em; }}
.wb-page h3 {{ font-size: 1.1rem; margin: 0.6em 0 0.2em; }}
.wb-lede {{ font-size: 1.05rem; color: var(--wb-ink); max-width: 60em; }}
/* running text stays readable on a wide screen: at most about 80 characters a line (tables keep their width) */
.wb-page p, .wb-page li, .wb-page summary {{ max-width: 80ch; }}
.wb-page td p, .wb-page td li, .wb-page th p {{ max-width: none; }}
.wb-card {{ background: #fff; border: 1px solid var(--wb-rule); border-radius: 10px; padding: 12px 16px;
           margin: 10px 0; }}
.wb-muted {{ color: var(--wb-muted); }}
.wb-status {{ font-size: 0.9rem; color: var(--wb-muted); min-height: 1.4em; }}
.wb-error {{ color: #9B1C1C; background: #FDE8E8; border-left: 4px solid #9B1C1C; padding: 8px 12px;
            border-radius: 6px; }}
.wb-ok {{ color: #03543F; }}
.wb-far {{ color: #9B1C1C; font-weight: 600; }}
.wb-notice {{ background: #EFF6FF; border-left: 4px solid var(--wb-now); padding: 8px 12px; border-radius: 6px; }}
.wb-poles {{ display: flex; gap: 16px; flex-wrap: wrap; }}
.wb-pole {{ flex: 1 1 260px; }}
.wb-pole strong {{ font-size: 1.02rem; }}
.wb-key {{ display: inline-block; padding: 1px 8px; margin: 2px 4px 2px 0; border-radius: 999px;
          background: #E4E7EB; font-size: 0.85rem; }}
.wb-table {{ border-collapse: collapse; width: 100%; font-size: 0.92rem; }}
.wb-table th, .wb-table td {{ border: 1px solid var(--wb-rule); padding: 6px 8px; vertical-align: top;
                             text-align: left; }}
.wb-table th {{ background: #F0F4F8; }}
.wb-legend-now {{ color: var(--wb-now); font-weight: 600; }}
.wb-legend-asp {{ color: var(--wb-asp); font-weight: 600; }}
.wb-progress {{ font-weight: 600; }}
.wb-quote {{ border-left: 3px solid var(--wb-rule); margin: 4px 0; padding-left: 10px; font-style: italic; }}
.wb-link {{ font-family: ui-monospace, monospace; word-break: break-all; background: #F0F4F8; padding: 4px 6px;
           border-radius: 4px; }}
.widget-label, .widget-inline-hbox .widget-label {{ color: var(--wb-ink); }}
/* boxes grow with their content instead of becoming scroll regions a keyboard cannot reach */
.wb-page .widget-box {{ overflow: visible; }}
.wb-page .widget-textarea {{ width: auto; max-width: 100%; box-sizing: border-box; }}
.jupyter-widgets button:focus-visible, .jupyter-widgets input:focus-visible,
.jupyter-widgets textarea:focus-visible, .jupyter-widgets select:focus-visible,
.wb-range:focus-visible {{ outline: 3px solid var(--wb-focus); outline-offset: 2px; }}
.jupyter-button.mod-primary {{ background: var(--wb-now); color: #fff; }}
/* controls size to their text (never cut off) and never run past their row: a button is as wide as what it says,
   a dropdown as wide as its choice; a row of them wraps; on a phone a dropdown's label sits above it */
.wb-page .jupyter-button.widget-button {{ width: auto; min-width: 6em; max-width: 100%; }}
.wb-page .widget-dropdown {{ width: auto; max-width: 100%; }}
.wb-page .widget-dropdown > select {{ flex: 0 1 auto; width: auto; min-width: 10em; max-width: 100%; }}
.wb-page .widget-html, .wb-page .widget-html-content {{ min-width: 0; max-width: 100%; }}
.wb-page .wb-invite .jupyter-widget-Collapse-header, .wb-page .wb-invite .jupyter-widget-Collapse-header > span {{
  color: var(--wb-ink); background: #F0F4F8; }}
.wb-page .wb-wrap {{ flex-wrap: wrap; gap: 4px 16px; }}
@media (max-width: 560px) {{
  .wb-page .wb-table {{ display: block; overflow-x: auto; }}
  /* the dropdown's box grows with its label above its choice (ipywidgets fixes it at one line's height, so the
     choice spilled out of it and whatever came next lay over the choice) */
  .wb-page .widget-dropdown {{ flex-wrap: wrap; height: auto; }}
  .wb-page .widget-dropdown > select {{ flex: 1 1 100%; }}
}}
/* a checkbox's words wrap within its row instead of running out of it, cut off (ipywidgets keeps them on one line) */
.wb-page .widget-checkbox {{ height: auto; min-height: var(--jp-widgets-inline-height); }}
.wb-page .widget-checkbox .widget-label-basic {{ white-space: normal; overflow: visible; height: auto;
                                                 line-height: 1.4; padding: 4px 0; }}
/* who is answering: name, role and the start button in a row that wraps; on a phone one below the other, each
   label above its field, every field the card's width and tall enough for a thumb, the text large enough that
   the phone does not zoom the page while the member types */
.wb-page .wb-identity.widget-box {{ flex-flow: row wrap; align-items: center; gap: 8px 16px; }}
.wb-page .wb-identity > .widget-inline-hbox {{ margin: 0; }}
.wb-page .wb-identity > .widget-button {{ margin: 0; }}
@media (max-width: 560px) {{
  .wb-page .wb-identity.widget-box {{ flex-direction: column; align-items: stretch; gap: 10px; }}
  .wb-page .wb-identity > .widget-inline-hbox {{ flex-wrap: wrap; width: 100%; height: auto; }}
  .wb-page .wb-identity .widget-label {{ flex: 1 1 100%; width: 100% !important; text-align: left; margin: 0 0 2px;
                                         line-height: 1.4; font-size: 15px; }}
  .wb-page .wb-identity input, .wb-page .wb-identity select {{ flex: 1 1 100%; width: 100%; max-width: 100%;
                                                            height: 44px; font-size: 16px; }}
  .wb-page .wb-identity > .widget-button {{ align-self: flex-start; height: 44px; line-height: 44px;
                                           padding: 0 20px; font-size: 16px; }}
}}
/* a mark on a phone: the track the card's whole width, its two poles below its ends (beside it, the poles took
   the whole row and left the track no width at all: nothing to see or tap) */
@media (max-width: 560px) {{
  .wb-page .wb-mark-row {{ grid-template-columns: 1fr 1fr; grid-template-areas: "track track" "left right";
                          row-gap: 0; }}
  .wb-page .wb-mark-row > .wb-range {{ grid-area: track; height: 40px; }}
  .wb-page .wb-mark-row > .wb-mark-pole:first-child {{ grid-area: left; }}
  .wb-page .wb-mark-row > .wb-mark-pole:last-child {{ grid-area: right; text-align: right; }}
}}
.wb-presenter {{ font-size: 1.4rem; }}
@media (min-width: 900px) {{ .wb-sticky {{ position: sticky; top: 8px; align-self: flex-start; }} }}
@media (max-width: 899px) {{ .wb-sticky {{ order: -1; }} }}
/* Charting Your Path: the chart stays in view while a member marks. Wide: chart and questions beside the cards,
   sticky. Narrow: the chart alone sticks above the cards (compact), the questions follow the cards. */
/* a part that stays in view (position: sticky) sticks to the nearest box that can scroll: every box between the
   page and Voila's own scroller lets its content overflow instead */
.jp-OutputArea, .jp-OutputArea-child, .jp-OutputArea-output, .wb-page {{ overflow: visible !important; }}
.wb-page .wb-path.widget-box {{ display: flex; flex-flow: row wrap; align-items: flex-start; gap: 16px; }}
.wb-page .wb-path .wb-path-marks {{ flex: 1 1 460px; min-width: 300px; }}
.wb-page .wb-path .wb-path-side {{ flex: 1 1 420px; min-width: 300px; }}
.wb-path.wb-on-now .wb-only-aspiration, .wb-path.wb-on-aspiration .wb-only-now {{ display: none !important; }}
.wb-path-chart, .wb-path-rest {{ background: #fff; border: 1px solid var(--wb-rule); border-radius: 10px;
                                 padding: 12px 16px; margin: 0 0 10px; }}
/* a box holding a chart may be narrower than the chart drawn last: a phone turned upright, a window made narrower.
   Without this a flex item is at least as wide as what it holds, the chart's box never shrinks, and the chart is
   never drawn again at the new width (it ran off the right of the screen) */
.wb-page .wb-path-chart, .wb-page .wb-chart-box {{ min-width: 0; }}
@media (min-width: 900px) {{ .wb-path-side {{ position: sticky; top: 8px; align-self: flex-start; }} }}
@media (max-width: 899px) {{
  .wb-page .wb-path-side.widget-box {{ display: contents; }}
  .wb-path-chart {{ order: -1; flex: 1 1 100%; position: sticky; top: 0; z-index: 5; padding: 4px 8px;
                   box-shadow: 0 2px 8px rgba(31, 41, 51, 0.15); }}
  .wb-path-rest {{ order: 1; flex: 1 1 100%; }}
}}
@media (max-width: 800px) {{ .wb-page {{ padding: 4px 6px 32px; }} .wb-page h1 {{ font-size: 1.5rem; }} }}
@media print {{ .wb-noprint {{ display: none !important; }} body {{ background: #fff; }} }}
"""

CSS += """
/* the presenter view, for a projector (1280 x 720 and up): title and join corner in one row, the views as large
   buttons whose active one is unmistakable, the chart filling the rest of the first screen */
.wb-page.wb-presenter { max-width: none; padding: 4px 16px 16px; font-size: 1.25rem; }
.wb-present-head { display: flex; justify-content: space-between; align-items: flex-start; gap: 16px; }
.wb-present-title { flex: 1 1 auto; min-width: 0; }
.wb-present-title h1 { font-size: 1.9rem; line-height: 1.2; margin: 2px 0 0; overflow-wrap: anywhere; }
.wb-present-title .wb-sub { font-size: 1.15rem; line-height: 1.3; margin: 2px 0 0; color: var(--wb-muted); }
.wb-present-corner { flex: 0 1 auto; align-items: center; gap: 8px; max-width: 50%; }
.wb-present-corner > .widget-toggle-button, .wb-present-title .widget-button { flex: 0 0 auto; overflow: visible; }
.wb-join { display: flex; gap: 10px; align-items: center; font-size: 0.75rem; line-height: 1.3; background: #fff;
           border: 1px solid var(--wb-rule); border-radius: 8px; padding: 4px 8px; }
.wb-join svg { flex: 0 0 auto; }
.wb-join .wb-link { font-size: 0.65rem; }
.wb-present-bar { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 8px; margin: 4px 0; }
.wb-presenter .wb-views .widget-toggle-button { font-size: 0.95rem; height: auto; padding: 4px 9px; margin: 2px;
  border: 2px solid transparent; }
.wb-presenter .wb-views .widget-toggle-button.mod-active { background: var(--wb-ink); color: #fff; font-weight: 700;
  border-color: var(--wb-ink); box-shadow: inset 0 -4px 0 #F5B041; }
.wb-count { font-size: 1.15rem; margin-right: 12px; }
@media (max-width: 560px) {
  .wb-present-head { flex-wrap: wrap; } .wb-present-corner { max-width: 100%; flex-wrap: wrap; }
  .wb-join { flex-wrap: wrap; } .wb-join > div { flex: 1 1 12em; }
}
/* a confirmation ("Restored.") fades by itself after a few seconds instead of staying on screen as if current */
.wb-transient { animation: wb-fade 0.6s ease 5s forwards; }
@keyframes wb-fade { to { opacity: 0; visibility: hidden; } }
@media (prefers-reduced-motion: reduce) { .wb-transient { animation-duration: 0s; } }
a.wb-download { display: inline-block; margin: 6px 0; padding: 6px 12px; border-radius: 6px; background: #0072B2;
  color: #fff; text-decoration: none; font-weight: 600; }
a.wb-download:focus-visible { outline: 3px solid #B45309; outline-offset: 2px; }
"""
