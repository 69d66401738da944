"""The load balancer's configuration for a convening: HAProxy in front of several ``workbook serve``.

One function writes it, so the example in ``deploy/haproxy.cfg`` (several machines) and the
file ``make convening`` writes for one machine are the same configuration with other addresses
(a test keeps them equal). What it asks of HAProxy, and why:

- **Cookie stickiness** (``cookie WBSERVER insert indirect nocache``): the server that rendered a
  page holds its kernel, so the page's websocket and every later request of that browser must
  reach the same server. The balancer names the server in a cookie of its own (``path=/``, so it
  covers every prefix) and removes it before the request reaches the server.
- **Least connections**: a page keeps its websocket open for the whole session, so the server
  with the fewest open connections is the one with the fewest members.
- **Health checks** on ``/workbook/health`` every two seconds: two failures take a server out,
  and ``option redispatch`` sends the browsers stuck to it (by their cookie) to a live one, where
  their personal links bring their marks back from the shared PostgreSQL store.
- **Retries on another server** (``retry-on conn-failure empty-response 503``): a server that
  is full answers a visit with 503, and the balancer tries the next server before the member
  sees the plain "busy" page.
- **Long tunnels** (``timeout tunnel 2h``): a page's websocket stays open while a member listens.
- **Weights** (``weights``): a server of weight 0 takes no new members but keeps the pages it serves (their
  cookie still leads to it), which is how a server is drained before maintenance. A reload (master-worker
  mode, ``SIGUSR2``, as ``systemctl reload haproxy`` does) starts new workers on the new configuration while
  the old ones finish the websockets they carry, so open pages keep their server.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..content.errors import WorkbookError
from ..links import normalise_prefix
from .capacity import HEALTH_PATH

COOKIE = "WBSERVER"


@dataclass(frozen=True)
class Backend:
    """One ``workbook serve``: its name in the balancer (and in the cookie), its address and port."""

    name: str
    host: str
    port: int

    def __post_init__(self):
        if not self.name or not all(c.isalnum() or c in "-_" for c in self.name):
            raise WorkbookError(f"server name {self.name!r}: use letters, digits, '-' or '_' (it goes in a cookie)")
        if not self.host or any(c.isspace() for c in self.host):
            raise WorkbookError(f"server {self.name}: {self.host!r} is not a host name or address")
        if not isinstance(self.port, int) or not 0 < self.port < 65536:
            raise WorkbookError(f"server {self.name}: port {self.port!r} is not a port number (1-65535)")


def parse_backend(text: str, index: int) -> Backend:
    """``HOST:PORT`` or ``NAME=HOST:PORT`` (as a person writes it on a command line) as a :class:`Backend`."""
    name, _, address = text.rpartition("=")
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise WorkbookError(f"server {index}: {text!r} is not HOST:PORT (for example 10.0.0.11:8866)")
    return Backend(name or f"s{index}", host.strip("[]"), int(port))


MAX_WEIGHT = 256  # HAProxy's largest server weight


def check_weights(backends: list[Backend], weights: dict | None) -> dict[str, int]:
    """``weights`` ({server name: 0-256}) checked against ``backends``; a plain error naming the bad entry."""
    names = {b.name for b in backends}
    checked = {}
    for name, weight in (weights or {}).items():
        if name not in names:
            raise WorkbookError(f"weight for {name!r}: there is no such server (the servers are "
                                f"{', '.join(sorted(names))})")
        text = str(weight).strip()
        if not text.isdigit() or int(text) > MAX_WEIGHT:
            raise WorkbookError(f"server {name}: weight {weight!r} is not a whole number from 0 (no new members) "
                                f"to {MAX_WEIGHT}")
        checked[name] = int(text)
    if all(checked.get(b.name, 1) == 0 for b in backends):
        raise WorkbookError("every server has weight 0, so new members would have nowhere to go; "
                            "leave at least one server above 0")
    return checked


def haproxy_config(backends: list[Backend], bind: str = ":80", base_url: str = "/", log: str = "/dev/log local0",
                   stats: str | None = None, weights: dict | None = None) -> str:
    """The HAProxy configuration for ``backends`` behind one address (``bind``, HAProxy's ``[ADDRESS]:PORT``).

    ``base_url`` is the prefix the servers live under (``workbook serve --base-url``); the balancer
    passes paths on unchanged. ``stats`` (``ADDRESS:PORT``) adds HAProxy's status page there. ``weights``
    ({server name: 0-256}, default 1 each) share new members out; 0 drains a server (see the module's words).
    """
    if not backends:
        raise WorkbookError("a convening needs at least one server behind the balancer")
    names = [b.name for b in backends]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise WorkbookError(f"server names must differ (each names its server in the cookie): {', '.join(twice)}")
    prefix = normalise_prefix(base_url, "base_url")
    lines = [
        "# HAProxy in front of several `workbook serve` (written by workbook/serve/balancer.py; see deploy/README.md)",
        "global",
        f"    log {log}",
        "    maxconn 4096",
        "",
        "defaults",
        "    mode http",
        "    log global",
        "    option httplog",
        "    option dontlognull",
        "    # a server that is down or full (503): try another one, even against the browser's cookie",
        "    option redispatch 1",
        "    retries 3",
        "    retry-on conn-failure empty-response 503",
        "    timeout connect 5s",
        "    timeout http-request 30s",
        "    # a page is rendered while its kernel runs the app: give a busy server time",
        "    timeout client 120s",
        "    timeout server 120s",
        "    # a page's websocket stays open while its member listens to the discussion",
        "    timeout tunnel 2h",
        "",
        "frontend convening",
        f"    bind {bind}",
        "    default_backend workbook",
        "",
        "backend workbook",
        "    balance leastconn",
        "    # the server that rendered a page holds its kernel: the browser comes back to it",
        f"    cookie {COOKIE} insert indirect nocache httponly",
        f"    option httpchk GET {prefix}{HEALTH_PATH}",
        "    http-check expect status 200",
        "    default-server check inter 2s fall 2 rise 2",
    ]
    weight = check_weights(backends, weights)
    lines += [f"    server {b.name} {_address(b)} cookie {b.name}" + (f" weight {weight[b.name]}" if b.name in weight
                                                                     else "") for b in backends]
    if stats:
        lines += ["", "frontend stats", f"    bind {stats}", "    stats enable", "    stats uri /",
                  "    stats refresh 5s"]
    return "\n".join(lines) + "\n"


def _address(backend: Backend) -> str:
    host = f"[{backend.host}]" if ":" in backend.host else backend.host
    return f"{host}:{backend.port}"
