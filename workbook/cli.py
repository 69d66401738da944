"""The ``workbook`` command: serve the apps, make demo data, print links, run reports."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .content import paths
from .content.errors import WorkbookError
from .content.validation import KINDS, URBANICITY
from .links import PUBLIC_URL_ENV, TOKEN_ENV, district_links, normalise_base, normalise_prefix, served
from .serve.plan import TEMPLATE, check_preheat, page_limit, print_district_links, serve_plan, voila_argv


def _store(args):
    from .store import Store

    return Store(getattr(args, "db", None) or None)


def cmd_demo(args) -> int:
    """``workbook demo``: add the fictional demo district (with ``--network``, also a fictional network).

    With ``--districts`` only a fictional network of that many districts is added.
    """
    from . import demo

    store = _store(args)
    if args.if_empty and not demo.is_empty(store):
        print("demo: the store already has data; nothing added")
        return 0
    if args.districts:
        made = demo.seed_network(store, args.districts, args.members, args.sessions)
        print(f"demo: added {made} fictional district(s) to the network")
        return 0
    try:
        store.district(demo.DEMO_SLUG)
        print(f"demo: {demo.DEMO_SLUG} already exists")
    except WorkbookError:
        demo.seed_demo(store)
        print(f"demo: created the fictional district {demo.DEMO_SLUG} with eight synthetic members")
    if args.network:
        made = demo.seed_network(store, args.network, args.members, args.sessions)
        print(f"demo: added a fictional network of {made} district(s) for the coach's overview")
    return 0


def cmd_links(args) -> int:
    """``workbook links``: print each district's member and facilitator links for the last served address."""
    store = _store(args)
    base, token = served(store)
    if args.public_url:
        base = normalise_base(args.public_url)
    print("\n".join(district_links(store, base, token, args.district) or ["no sessions yet"]))
    return 0


def cmd_serve(args) -> int:
    """``workbook serve``: print the links, put the charts' plotly.js and Voila's styles in place, then exec Voila."""
    from .serve.capacity import MAX_KERNELS_ENV

    check_preheat(args.preheat)
    store = _store(args)
    prefix = normalise_prefix(args.base_url)
    limit = page_limit(args)
    ip, base, token = serve_plan(args, store)
    store.set_setting("served_url", base)
    store.set_setting("served_token", token or "")
    print_district_links(store, base, token, args)
    from . import assets

    # the charts' plotly.js bundles, served by Voila itself (no CDN)
    try:
        used = assets.install(TEMPLATE)
    except OSError as exc:
        print(f"serve: cannot put the charts' plotly.js into {TEMPLATE / 'static'} ({exc.strerror or exc}); "
              "the folder must be writable by the user who runs the server", file=sys.stderr)
        return 2
    if any(src.name == assets.FULL for b, src in used.items() if b != "full"):
        print("note: the smaller plotly.js bundles are not fetched (`python -m workbook.assets`, needs npm); "
              "every page loads the full plotly.js, which is slower to start")
    # Voila's page styles as a stylesheet rather than a script that inserts them (workbook/assets.py)
    style = assets.install_style(TEMPLATE / "static")
    if style not in ("present", "made"):
        print(f"note: {style}")
    # and the light pages' one stylesheet: those rules alone that can match something on such a page
    light = assets.install_light_style(TEMPLATE / "static")
    if light not in ("present", "made"):
        print(f"note: {light}")
    env = dict(os.environ)
    env.setdefault("WORKBOOK_DB_URL", store.url)
    env[PUBLIC_URL_ENV], env[TOKEN_ENV] = base, token or ""
    env["WORKBOOK_CULL_IDLE"] = str(args.cull_idle)  # open pages ping well within it (widgets/heartbeat.py)
    env[MAX_KERNELS_ENV] = str(limit)  # a visit beyond it gets the plain "busy" page (workbook/serve/capacity.py)
    print(f"This server serves up to {limit} pages at once (--max-kernels)")
    sys.stdout.flush()
    # the workbook's Voila template (share/jupyter/voila/templates/workbook) lives in the project
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(paths.jupyter_share()), env.get("JUPYTER_PATH")) if p)
    argv = voila_argv(args.port, ip, token, args.preheat, args.cull_idle, args.cull_interval, not args.no_fork,
                      prefix)
    os.execve(argv[0], argv, env)
    return 0  # not reached


def cmd_district_create(args) -> int:
    """``workbook district create``: add a district with its first session and print its links."""
    store = _store(args)
    d = store.create_district(args.slug, args.name, args.kind, schools=args.schools, urbanicity=args.urbanicity,
                              frl_percent=args.frl, years_scaling=args.years, engaged_percent=args.engaged)
    store.create_session(d.slug, args.session)
    print(f"district: created {d.name} ({d.slug}) with the session {args.session!r}")
    print("\n".join(district_links(store, slugs=[d.slug])))
    return 0


def cmd_session_create(args) -> int:
    """``workbook session create``: start a new session for a district and print its links."""
    store = _store(args)
    follows = None
    if args.follow_up is not None:
        earlier = store.sessions(args.slug)
        if not earlier:
            raise WorkbookError(f"{args.slug} has no session yet to follow up: create its first session without "
                                "--follow-up.")
        follows = earlier[-1].id if args.follow_up == "latest" else args.follow_up
    s = store.create_session(args.slug, args.label, min_group_size=args.min_group,
                             show_authors=True if args.show_names else None, max_priorities=args.priorities,
                             follows=follows)
    print(f"session: created {s.label!r} (session {s.id})")
    if s.follows_session_id:
        print(f"session: it follows up session {s.follows_session_id}: its pages start from that session's agreed "
              "marks and plan")
    print("\n".join(district_links(store, slugs=[args.slug])))
    return 0


def cmd_summary(args) -> int:
    """``workbook summary``: the team summary of a session, one printable page (.html, or .pdf with Chromium)."""
    from .reports.team_summary import write_summary

    store = _store(args)
    district, session = store.resolve_session(args.district, args.session)
    path = write_summary(store, session.id, args.out)
    print(f"summary: wrote {district.slug} session {session.id} ({session.label}) to {path}")
    return 0


def cmd_worksheet(args) -> int:
    """``workbook worksheet``: write the printable worksheet (Reflection Guide 2 and Step 1) to an HTML file."""
    from .worksheet import worksheet_html

    Path(args.out).write_text(worksheet_html(), encoding="utf-8")
    print(f"worksheet: written to {args.out} (open it in a browser and print)")
    return 0


def cmd_report(args) -> int:
    """``workbook report``: the district reports (:func:`workbook.reports.batch.main`)."""
    from .reports.batch import main as report_main

    return report_main(args)


def cmd_export(args) -> int:
    """``workbook export``: write one session's responses to .xlsx or .zip (CSV)."""
    from .exchange import export_session

    store = _store(args)
    district, session = store.resolve_session(args.district, args.session)
    counts = export_session(store, session.id, args.out)
    print(f"export: wrote {district.slug} session {session.id} ({counts['members']} members, "
          f"{counts['notes']} notes, {counts['action_items']} action items) to {args.out}")
    return 0


def cmd_import(args) -> int:
    """``workbook import``: import a session from .xlsx, .zip, a CSV folder or one CSV and print what came in."""
    from .exchange import import_session

    s = import_session(_store(args), args.file, args.district, args.session)
    print(f"import: {s['members']} members, {s['marks']} marks, {s['notes']} notes and {s['items']} action items "
          f"into {s['district']} session {s['session']}")
    return 0


def cmd_district_export(args) -> int:
    """``workbook district export``: every session of a district, one .xlsx each, in a .zip."""
    from .exchange import export_district

    result = export_district(_store(args), args.slug, args.out)
    print(f"district export: wrote {result['sessions']} session(s) of {args.slug} to {args.out}")
    return 0


def cmd_district_delete(args) -> int:
    """``workbook district delete``: delete a district and all its sessions' data; refuses without ``--yes``."""
    from .content.errors import InvalidInput
    from .ownership import delete_district

    if not args.yes:
        raise InvalidInput(f"This deletes {args.slug} and every answer of its sessions for good; "
                           "run it again with --yes to confirm (export it first to keep a copy).")
    counts = delete_district(_store(args), args.slug)
    print(f"district delete: removed {args.slug} ({counts['sessions']} session(s), {counts['respondents']} "
          f"member(s), {sum(counts.values())} rows)")
    return 0


def cmd_backup(args) -> int:
    """``workbook backup``: a consistent copy of the store (SQLite: a copy of the file; PostgreSQL: pg_dump -Fc)."""
    from .ownership import backup

    result = backup(_store(args), args.out)
    print(f"backup: wrote {result['bytes']:,} bytes to {result['path']}")
    return 0


def cmd_restore(args) -> int:
    """``workbook restore``: put a backup back into an empty store (``--replace``: over what the store holds)."""
    from .ownership import restore
    from .store import default_db_url, redact

    url = getattr(args, "db", None) or default_db_url()
    result = restore(url, args.file, replace=args.replace)
    print(f"restore: {result['path']} restored into {redact(url)}: {result.get('districts', 0)} district(s), "
          f"{result.get('sessions', 0)} session(s), {result.get('respondents', 0)} member(s); every link made "
          "before the backup opens its data again")
    return 0


def add_data_commands(subparsers):
    """Add export, import, district export/delete, backup and restore (workbook/exchange.py, workbook/ownership.py).

    Returns the ``district`` command's subparsers so the caller can add more district commands.
    """
    p = subparsers.add_parser("export", help="write one session's responses to .xlsx or .zip (CSV)")
    p.add_argument("--district", required=True, help="district slug")
    p.add_argument("--session", default=None, help="session id (default: the latest)")
    p.add_argument("--out", required=True, help="FILE.xlsx or FILE.zip")
    p.set_defaults(fn=cmd_export)
    p = subparsers.add_parser("import", help="import a session from .xlsx, .zip, a CSV folder or one CSV")
    p.add_argument("file")
    p.add_argument("--district", default=None, help="into this existing district")
    p.add_argument("--session", default=None, help="into this existing session (needs --district)")
    p.set_defaults(fn=cmd_import)
    p = subparsers.add_parser("district", help="export or delete all of a district's data")
    dsub = p.add_subparsers(dest="district_command", required=True)
    q = dsub.add_parser("export", help="every session of a district, one .xlsx each, in a .zip")
    q.add_argument("slug")
    q.add_argument("--out", required=True, help="FILE.zip")
    q.set_defaults(fn=cmd_district_export)
    q = dsub.add_parser("delete", help="delete a district and all its sessions' data")
    q.add_argument("slug")
    q.add_argument("--yes", action="store_true", help="confirm the deletion")
    q.set_defaults(fn=cmd_district_delete)
    p = subparsers.add_parser("backup", help="a consistent copy of the store (SQLite file, or pg_dump for PostgreSQL)")
    p.add_argument("--out", required=True, help="the backup file (for PostgreSQL: NAME.dump)")
    p.set_defaults(fn=cmd_backup)
    p = subparsers.add_parser("restore", help="restore a backup into an empty store")
    p.add_argument("file", help="a file `workbook backup` wrote (SQLite copy, or .dump for PostgreSQL)")
    p.add_argument("--replace", action="store_true",
                   help="replace everything the store holds with the backup (without it, only an empty store)")
    p.set_defaults(fn=cmd_restore)
    return dsub


def build_parser() -> argparse.ArgumentParser:
    """The ``workbook`` command line: every subcommand with its options, each bound to its ``cmd_*`` function."""
    parser = argparse.ArgumentParser(prog="workbook", description="The Look Both Ways workbook.")
    parser.add_argument("--db", help="database URL (default: $WORKBOOK_DB_URL or a local SQLite file)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="add fictional demo data")
    p.add_argument("--if-empty", action="store_true", help="only when the store has no district yet")
    p.add_argument("--districts", type=int, default=0, help="make a fictional network of this many districts")
    p.add_argument("--network", type=int, default=0, metavar="N",
                   help="with the demo district, also a fictional network of N districts (for the coach's overview)")
    p.add_argument("--members", type=int, default=20, help="members per district session (network)")
    p.add_argument("--sessions", type=int, default=3, help="sessions per district (network)")
    p.set_defaults(fn=cmd_demo)

    p = sub.add_parser("links", help="print each district's join and facilitator links")
    p.add_argument("--public-url", default=None,
                   help="the address members open (default: that of the last `workbook serve`)")
    p.add_argument("--district", action="append", help="only this district (repeatable)")
    p.set_defaults(fn=cmd_links)

    p = sub.add_parser("serve", help="serve the apps with Voila")
    p.add_argument("--port", type=int, default=8866)
    p.add_argument("--room", action="store_true",
                   help="serve a room on this machine's network: members join from their own devices with the "
                        "QR code; every link carries the room's access secret")
    p.add_argument("--public-url", default=None,
                   help="the address members open, e.g. http://192.168.1.20:8866/ (default: found by --room)")
    p.add_argument("--ip", default=None,
                   help="address to listen on (default 127.0.0.1; 0.0.0.0 with --room; others need a secret)")
    p.add_argument("--token", default=None,
                   help="the access secret every link carries (default with --room: one made and kept in the store)")
    p.add_argument("--preheat", type=int, default=0, help="kernels to keep warm (Voila preheating)")
    p.add_argument("--district", action="append", help="print only this district's links (repeatable)")
    p.add_argument("--cull-idle", type=int, default=300, help="seconds before an idle page's kernel is stopped")
    p.add_argument("--cull-interval", type=int, default=60, help="seconds between checks for idle kernels")
    p.add_argument("--no-fork", action="store_true",
                   help="start each page's kernel the usual way instead of forking it from a warm template")
    p.add_argument("--base-url", default="/",
                   help="path prefix the server lives under, e.g. /workbook/ (links gain it unless --public-url "
                        "already names a path)")
    p.add_argument("--max-kernels", default="0",
                   help="pages served at once before visits get a plain 'busy' page (default 0: from free memory)")
    p.set_defaults(fn=cmd_serve)

    p = sub.add_parser("report", help="write an HTML report per district and an index")
    p.add_argument("--out", required=True, help="folder for the reports")
    p.add_argument("--district", action="append", help="only this district (repeatable)")
    p.add_argument("--session", default=None, help="session id (default: each district's latest)")
    p.add_argument("--workers", type=int, default=2, help="parallel worker processes")
    p.add_argument("--shard", default=None, help="i/n: run only the i-th of n slices of the districts")
    p.add_argument("--timeout", type=int, default=600, help="seconds a report may run before it is failed")
    p.add_argument("--notebooks", action="store_true",
                   help="also keep each district's executed notebook (<slug>.ipynb, charts included) for JupyterLab")
    p.add_argument("--self-contained", action="store_true",
                   help="inline plotly.js in every report (one file that opens alone, about 1.5 MB) instead of "
                        "one shared plotly.js file in the output folder")
    p.add_argument("--notebook", action="append", metavar="NAME",
                   help="run this notebook per district (repeatable): district_report (the default), team_pathways, "
                        "laying_the_foundation, conditions_for_scale, action_planning")
    p.add_argument("--pdf", action="store_true",
                   help="also print each page to <slug>.pdf with headless Chromium (for forwarding by e-mail)")
    p.set_defaults(fn=cmd_report)

    p = sub.add_parser("summary", help="the team summary of a session: one printable page (.html or .pdf)")
    p.add_argument("--district", required=True, help="district slug")
    p.add_argument("--session", default=None, help="session id (default: the latest)")
    p.add_argument("--out", required=True, help="FILE.html, or FILE.pdf (printed with Chromium)")
    p.set_defaults(fn=cmd_summary)

    p = sub.add_parser("worksheet", help="write the printable worksheet (Reflection Guide 2 and Step 1)")
    p.add_argument("--out", default="worksheet.html")
    p.set_defaults(fn=cmd_worksheet)

    dsub = add_data_commands(sub)
    q = dsub.add_parser("create", help="add a district (or CMO, network) and its first session")
    q.add_argument("slug", help="short name for links and files, e.g. lincoln-usd")
    q.add_argument("--name", required=True, help="the name people see")
    q.add_argument("--kind", default="district", choices=KINDS)
    q.add_argument("--schools", type=int, default=None)
    q.add_argument("--urbanicity", default=None, choices=URBANICITY)
    q.add_argument("--frl", type=float, default=None, help="share of students on free/reduced lunch, 0-100")
    q.add_argument("--years", type=float, default=None, help="years scaling personalized learning")
    q.add_argument("--engaged", type=float, default=None,
                   help="share of the system's schools engaged in personalized or blended learning, 0-100")
    q.add_argument("--session", default="First session", help="label of the first session")
    q.set_defaults(fn=cmd_district_create)

    p = sub.add_parser("session", help="start a new reflection session for a district")
    ssub = p.add_subparsers(dest="session_command", required=True)
    q = ssub.add_parser("create", help="a new session (new join and facilitator codes)")
    q.add_argument("slug")
    q.add_argument("--label", required=True)
    q.add_argument("--min-group", type=int, default=None,
                   help="smallest group shown: roles with fewer members are folded together, and team figures "
                        "need this many members before they leave the team (fixed once members join; default 5, "
                        "or the followed-up session's)")
    q.add_argument("--show-names", action="store_true",
                   help="members see each other's names in the team views (default: roles only; fixed once members "
                        "join; reports stay anonymous)")
    q.add_argument("--priorities", type=int, default=None,
                   help="how many conditions each member picks as priorities in Step 1, 1 to 16 (default: 3, the "
                        "workbook's suggestion; the guide sets no number; the facilitator can change it later)")
    q.add_argument("--follow-up", nargs="?", const="latest", default=None, metavar="SESSION",
                   help="the same team looking again: start from the agreed marks and plan of SESSION (default: "
                        "the district's latest session)")
    q.set_defaults(fn=cmd_session_create)
    return parser


def main(argv=None) -> int:
    """Run the ``workbook`` command ``argv``; its exit status (2, with the message on stderr, for a WorkbookError)."""
    args = build_parser().parse_args(argv)
    try:
        return args.fn(args) or 0
    except WorkbookError as exc:
        print(f"workbook {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
