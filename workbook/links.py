"""The links people open: one builder for the command line, the apps and the QR codes.

A server is reached at its *public URL*: ``http://127.0.0.1:8866/`` when the workbook is tried
alone, the machine's address on the room's network when a room is served
(``workbook serve --room``), or whatever ``--public-url`` names (a load balancer, a proxy).
When the server asks for an access secret, every link carries it (``&token=...``), so members
never type one: the secret opens the server, the join and facilitator codes open a session.

``workbook serve`` hands both to Voila, and so to every kernel, as ``WORKBOOK_PUBLIC_URL`` and
``WORKBOOK_ACCESS_TOKEN``; the apps build their join links, personal links and QR codes from
them, so the link printed, the link shown and the link in the QR code are the same.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import urllib.parse

from .content.errors import WorkbookError

PUBLIC_URL_ENV = "WORKBOOK_PUBLIC_URL"
TOKEN_ENV = "WORKBOOK_ACCESS_TOKEN"
LOCAL_URL = "http://127.0.0.1:8866/"
RENDER = "voila/render/"

# the apps a session's links open, as `workbook serve` and `workbook links` print them: (name, notebook)
MEMBER_APPS = [("Charting Your Path", "charting_your_path.ipynb"),
               ("Laying the Foundation", "laying_the_foundation.ipynb"),
               ("Conditions for Scale", "conditions_for_scale.ipynb")]
FACILITATOR_APPS = [("Run of show (the day, step by step)", "run_of_show.ipynb"),
                    ("Team pathways", "team_pathways.ipynb"),
                    ("Presenter view (projector)", "presenter.ipynb"),
                    ("Laying the Foundation (team)", "laying_the_foundation.ipynb"),
                    ("Conditions for Scale (team)", "conditions_for_scale.ipynb"),
                    ("Action planning", "action_planning.ipynb")]


def normalise_base(url: str, where: str = "--public-url") -> str:
    """``url`` as ``scheme://host[:port]/prefix/``; refuses what a browser could not open."""
    parts = urllib.parse.urlsplit(str(url).strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WorkbookError(f"{where}: {url!r} is not a web address; give one like http://192.168.1.20:8866/")
    if parts.query or parts.fragment:
        raise WorkbookError(f"{where}: {url!r} must not carry a query or fragment (the links add their own)")
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def normalise_prefix(prefix: str, where: str = "--base-url") -> str:
    """A path prefix the servers live under, as ``/`` or ``/name/.../``; refuses anything but a plain path."""
    text = str(prefix).strip()
    parts = urllib.parse.urlsplit(text)
    if parts.scheme or parts.netloc or parts.query or parts.fragment or not text.startswith("/"):
        raise WorkbookError(f"{where}: {prefix!r} is not a path; give one like /workbook/ (the address itself "
                            "goes in --public-url)")
    segments = [s for s in text.split("/") if s]
    bad = [s for s in segments if s in (".", "..") or not all(c.isalnum() or c in "-_.~" for c in s)]
    if bad:
        raise WorkbookError(f"{where}: {prefix!r} has the part {bad[0]!r}; use letters, digits, '-', '_', '.' "
                            "or '~' between the slashes")
    return "/" + "".join(f"{s}/" for s in segments)


def under_prefix(base: str, prefix: str) -> str:
    """The public URL of servers living under ``prefix``.

    A bare address (``http://lb/``) gains the prefix; an address that already names a path is kept
    (a proxy that maps its own path onto the prefix).
    """
    base = normalise_base(base)
    prefix = normalise_prefix(prefix)
    parts = urllib.parse.urlsplit(base)
    if parts.path == "/" and prefix != "/":
        return urllib.parse.urlunsplit((parts.scheme, parts.netloc, prefix, "", ""))
    return base


def server_base() -> str:
    """The public URL of the server this kernel (or command) speaks for."""
    env = os.environ.get(PUBLIC_URL_ENV)
    if env:
        return normalise_base(env, PUBLIC_URL_ENV)
    # an app in a kernel that `workbook serve` did not start: the address its page was asked on
    host = os.environ.get("SERVER_NAME")
    if not host:
        return LOCAL_URL
    port = os.environ.get("SERVER_PORT") or "8866"
    netloc = host if port in ("80", "443") else f"{host}:{port}"
    scheme = "https" if port == "443" else "http"
    script = os.environ.get("SCRIPT_NAME", "")
    prefix = script.split(RENDER, 1)[0] if RENDER in script else "/"
    return f"{scheme}://{netloc}{prefix if prefix.endswith('/') else prefix + '/'}"


def app_link(notebook: str, base: str | None = None, token: str | None = None, **params) -> str:
    """The absolute link to one app with its query (empty values dropped) and the access secret."""
    base = normalise_base(base, "base") if base else server_base()
    token = os.environ.get(TOKEN_ENV) if token is None else token
    query = {k: v for k, v in params.items() if v not in (None, "")}
    if token:
        query["token"] = token
    return f"{base}{RENDER}{notebook}" + (f"?{urllib.parse.urlencode(query)}" if query else "")


def session_links(district_slug: str, session, base: str | None = None,
                  token: str | None = None) -> dict[str, list[tuple[str, str]]]:
    """A session's links by who gets them: ``members`` (the join code) and ``facilitator`` (the facilitator's code)."""
    def link(notebook, code):
        return app_link(notebook, base, token, district=district_slug, session=session.id, code=code)

    return {"members": [(name, link(nb, session.join_code)) for name, nb in MEMBER_APPS],
            "facilitator": [(name, link(nb, session.facilitator_code)) for name, nb in FACILITATOR_APPS]}


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``: addresses no other device can reach."""
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def reachable_address() -> str | None:
    """The address other devices on this machine's network reach it at, or None when it has none.

    Asks the system which interface it would use towards an outside address (a UDP "connect"
    sends nothing), then falls back on the host name's addresses.
    """
    candidates = []
    for probe in (("192.0.2.1", 9), ("10.255.255.255", 1)):
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.connect(probe)
                candidates.append(s.getsockname()[0])
        except OSError:
            continue
    try:
        candidates += [info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)]
    except OSError:
        pass
    for host in candidates:
        if not is_loopback(host) and host != "0.0.0.0":
            return host
    return None


def room_base(port: int, public_url: str | None = None) -> str:
    """The public URL of a room: ``public_url`` as given, else this machine's network address."""
    if public_url:
        return normalise_base(public_url)
    host = reachable_address()
    if host is None:
        raise WorkbookError("serve --room: this machine has no network address other devices can reach "
                            "(connect it to the room's Wi-Fi), or pass --public-url http://ADDRESS:PORT/")
    return f"http://{host}:{port}/"


def district_links(store, base: str | None = None, token: str | None = None, slugs=None) -> list[str]:
    """The member and facilitator links of each district's latest session.

    ``base`` and ``token`` default to those of the last ``workbook serve`` (its public URL and
    access secret), so the links printed here are the ones the apps show and encode in QR codes.
    """
    if base is None:
        base, token = served(store)
    lines = []
    for d in store.districts():
        if slugs and d.slug not in slugs:
            continue
        sessions = store.sessions(d.slug)
        if not sessions:
            continue
        s = sessions[-1]
        lines.append(f"{d.name} — {s.label}")
        lines.append("  Team members (share with the team):")
        lines += [f"    {name:<36} {app_link(nb, base, token or '', district=d.slug, session=s.id, code=s.join_code)}"
                  for name, nb in MEMBER_APPS]
        lines.append("  Facilitator only (keep private):")
        lines += [f"    {name:<36} "
                  f"{app_link(nb, base, token or '', district=d.slug, session=s.id, code=s.facilitator_code)}"
                  for name, nb in FACILITATOR_APPS]
    return lines


def served(store) -> tuple[str, str]:
    """The public URL and access secret of the last ``workbook serve`` (127.0.0.1:8866 before any)."""
    return store.setting("served_url") or LOCAL_URL, store.setting("served_token") or ""
