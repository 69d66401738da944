"""One visual theme for every app and report: colours, type, and the CSS the apps load.

The two pathway colours mean the same thing everywhere: NOW is blue with a solid line
and round markers, ASPIRATION is vermillion with a dashed line and diamond markers
(Okabe-Ito palette, safe for the common colour-vision deficiencies; never colour alone).
"""

from __future__ import annotations

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
.wb-presenter {{ font-size: 1.4rem; }}
@media (min-width: 900px) {{ .wb-sticky {{ position: sticky; top: 8px; align-self: flex-start; }} }}
@media (max-width: 899px) {{ .wb-sticky {{ order: -1; }} }}
/* Charting Your Path: the chart stays in view while a member marks. Wide: chart and questions beside the cards,
   sticky. Narrow: the chart alone sticks above the cards (compact), the questions follow the cards. */
/* a part that stays in view (position: sticky) sticks to the nearest box that can scroll: every box between the
   page and Voila's own scroller lets its content overflow instead */
.jp-OutputArea, .jp-OutputArea-child, .jp-OutputArea-output, .wb-page {{ overflow: visible !important; }}
.wb-path.wb-on-now .wb-only-aspiration, .wb-path.wb-on-aspiration .wb-only-now {{ display: none !important; }}
.wb-path-chart, .wb-path-rest {{ background: #fff; border: 1px solid var(--wb-rule); border-radius: 10px;
                                 padding: 12px 16px; margin: 0 0 10px; }}
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
.wb-presenter { font-size: 1.35rem; }
.wb-presenter h1 { font-size: 2.4rem; }
.wb-presenter .widget-toggle-buttons .widget-toggle-button { font-size: 1rem; height: auto; padding: 6px 10px; }
a.wb-download { display: inline-block; margin: 6px 0; padding: 6px 12px; border-radius: 6px; background: #0072B2;
  color: #fff; text-decoration: none; font-weight: 600; }
a.wb-download:focus-visible { outline: 3px solid #B45309; outline-offset: 2px; }
"""
