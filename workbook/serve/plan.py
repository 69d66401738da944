"""What ``workbook serve`` runs: where it listens, how many pages it serves, Voila's command line, what it prints.

``workbook serve`` (:func:`workbook.cli.cmd_serve`) reads its options, asks this module for the plan and then
replaces itself with Voila; a convening (:mod:`workbook.serve.convening`) starts several such servers.
"""

from __future__ import annotations

import sys

from ..content import paths
from ..content.errors import WorkbookError
from ..links import app_link, district_links, is_loopback, normalise_base, room_base, under_prefix

NOTEBOOKS = paths.notebooks_dir()
TEMPLATE = paths.template_dir()
REFILL_DELAY = 8
"""Seconds Voila waits before it refills the preheated pool after a page took a kernel from it."""


POOLS_OPTION = "--kernel_pools_config"


def check_preheat(count: int) -> None:
    """Refuse a preheated pool of fewer than no kernels (``make room ROOM_PREHEAT=-2``), before anything starts."""
    if count < 0:
        raise WorkbookError(f"--preheat: {count} is not a number of kernels to keep warm (0 or more)")


def voila_argv(port: int, ip: str, token: str | None, preheat: int = 0, cull_idle: int = 300,
               cull_interval: int = 60, fork: bool = True, base_url: str = "/") -> list[str]:
    """The Voila command line for the apps (sources stripped, kernels culled, no tracebacks)."""
    # Voila with one compiled-template cache for the whole server (workbook/serve/voila_server.py)
    # Voila's pool settings are a dict given on the command line, which traitlets 5 still reads but warns about on
    # every start (the form it suggests would make each pool's settings a string); the console stays for the room
    argv = [sys.executable, "-W", f"ignore:{POOLS_OPTION}:DeprecationWarning",
            "-m", "workbook.serve.voila_server", str(NOTEBOOKS), "--no-browser", f"--port={port}",
            f"--Voila.ip={ip}",
            "--VoilaConfiguration.strip_sources=True", "--VoilaConfiguration.show_tracebacks=False",
            "--theme=light", "--template=workbook",
            # Voila leaves a closed page's kernel running: cull idle kernels. An open page pings its kernel
            # (widgets/heartbeat.py), so only pages that are gone (or asleep) go idle
            f"--MappingKernelManager.cull_idle_timeout={cull_idle}",
            f"--MappingKernelManager.cull_interval={cull_interval}",
            "--MappingKernelManager.cull_connected=True",
            # a room opening the link together starts many kernels at once: give slow ones time to answer
            "--VoilaExecutor.iopub_timeout=30",
            # charts draw with the plotly.js the template loads (widgets/chart.py): plotly's mime renderer
            # (a 4.7 MB bundle fetched and parsed on every page) and the code highlighter are not used
            "--VoilaConfiguration.extension_denylist=jupyterlab-plotly",
            "--VoilaConfiguration.extension_denylist=jupyterlab_pygments",
            # front-end extensions other packages of the environment may bring (Panel's, Voila's own JupyterLab
            # preview): the apps use none, and each costs every page its scripts
            "--VoilaConfiguration.extension_denylist=@pyviz/jupyterlab_pyviz",
            "--VoilaConfiguration.extension_denylist=@voila-dashboards/jupyterlab-preview"]
    argv.append(f"--Voila.token={token}" if token else "--Voila.token=")
    if base_url != "/":
        # every route, the template's assets and the kernels' websockets live under the prefix
        argv.append(f"--Voila.base_url={base_url}")
    if fork:
        # kernels forked from a warm template (workbook/serve/page_kernels.py): a room's kernels start in milliseconds
        from .page_kernels import KERNEL_MANAGER

        argv.append(f"--MappingKernelManager.kernel_manager_class={KERNEL_MANAGER}")
    if preheat:
        # warm kernels for the page a whole room opens at once; the other apps start kernels on demand
        pools = {"default": {"pool_size": 0}, "charting_your_path.ipynb": {"pool_size": preheat}}
        argv += ["--VoilaConfiguration.preheat_kernel=True", f"--VoilaKernelManager.{POOLS_OPTION[2:]}={pools!r}",
                 # the pool is refilled once the page that took a kernel has loaded, not while its browser,
                 # kernel and server still share the machine with the refill (Voila's default waits 1 s)
                 f"--VoilaKernelManager.fill_delay={REFILL_DELAY}"]
    return argv


def serve_plan(args, store) -> tuple[str, str, str | None]:
    """Where to listen, the public URL links use, and the access secret (None: no secret)."""
    ip = args.ip or ("0.0.0.0" if args.room else "127.0.0.1")
    local = is_loopback(ip)
    token = args.token
    if args.room and not token:
        token = store.secret("room_token", 16)  # the same across restarts: printed QR codes keep working
    if not local and not token:
        raise WorkbookError(f"refusing to listen on {ip} without an access secret (anyone on the network could "
                            "open the apps). Use --room (a secret is made and put in every link), pass --token "
                            "SECRET, or serve behind JupyterHub or a login proxy (see README).")
    if args.public_url:
        base = normalise_base(args.public_url)
    elif local:
        base = f"http://{'127.0.0.1' if ip in ('localhost', '') else ip}:{args.port}/"
    else:
        base = room_base(args.port) if ip in ("0.0.0.0", "::") else f"http://{ip}:{args.port}/"
    return ip, under_prefix(base, getattr(args, "base_url", None) or "/"), token


def page_limit(args) -> int:
    """The pages this server serves at once: ``--max-kernels``, or what its free memory carries (0 or unset)."""
    from .capacity import kernel_limit, memory_available, page_mib, parse_limit

    given = parse_limit(getattr(args, "max_kernels", 0) or 0)
    return given or kernel_limit(memory_available(), args.preheat, page_mib(fork=not getattr(args, "no_fork", False)))


def next_steps(room: bool) -> str:
    """What the facilitator does once the server is up, in the guides' order, for the console."""
    lines = ["What to do next:",
             "  1. On your laptop, open the facilitator's Run of show: it carries the room through the day in the "
             "guides' order (Laying the Foundation, Charting Your Path, Step 1, Step 2) and counts who has finished.",
             "  2. On the projector, open the Presenter view: it shows the QR code members join with, then each "
             "step's question and chart as you move the room on.",
             "  3. Members scan the QR code with their own phone, tablet or laptop (or open a team member link)."]
    if room:
        lines.append("     The links carry the room's access secret, so nobody types a password.")
    else:
        lines.append("     This server answers on this machine only (127.0.0.1): to serve a room's Wi-Fi, stop it "
                     "(Ctrl+C) and run `make room`.")
    lines.append("  At the end: the team summary is in the facilitator's Downloads box; `workbook links` prints "
                 "every link again.")
    return "\n".join(lines)


def print_district_links(store, base: str, token: str | None, args) -> None:
    """What the person starting the server needs: the projector's link first in a room, then the rest."""
    shown = district_links(store, base, token, args.district)
    print("\n".join(shown[:40]))
    if len(shown) > 40:
        print("... and more: `workbook links` prints them all")
    print(f"Framework explorer (no code needed): {app_link('framework_explorer.ipynb', base, token or '')}")
    print(f"Network overview (coaches only):     "
          f"{app_link('network_overview.ipynb', base, token or '', code=store.coach_code())}")
    if args.room:
        shown_rooms = 0
        for d in store.districts():
            sessions = store.sessions(d.slug) if not args.district or d.slug in args.district else []
            if sessions and shown_rooms < 3:
                s = sessions[-1]
                link = app_link("presenter.ipynb", base, token or "", district=d.slug, session=s.id,
                                code=s.facilitator_code)
                print(f"\nOn the projector for {d.name}: {link}")
            shown_rooms += bool(sessions)
        if shown_rooms > 3:
            print(f"... and {shown_rooms - 3} more districts: `workbook links` prints every link")
    print("\n" + next_steps(room=bool(args.room)))
    print(f"\nServing the workbook at {base} (Ctrl+C to stop)")
    sys.stdout.flush()
