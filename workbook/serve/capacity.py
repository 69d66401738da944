"""How many pages one server carries, and what a page sees when its server is full.

Every page a server renders runs in a kernel of its own (forked from a warm template, about
45 MiB of its own once the app is built and marked; 100-130 MiB when launched with
``--no-fork``), so a server's memory decides how many members it can carry. ``workbook serve``
gives each server a limit on the pages it serves at once (``--max-kernels``; by default worked out
from the memory the machine has free when the server starts). A visit beyond the limit is not
left to exhaust the machine and not left blank: the server answers ``503 Service Unavailable``
with a plain page that says the server is full and tries again by itself. Behind the
convening's load balancer (``deploy/``) that answer is retried on another server first, so a
member only sees the page when every server is full.

The server's health (``/workbook/health`` under its base URL) answers without the access
secret, for the balancer's checks: the pages served, the limit and whether it is full.
"""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass

from ..content.errors import WorkbookError

MAX_KERNELS_ENV = "WORKBOOK_MAX_KERNELS"
PAGE_MIB = 128  # a member page's kernel launched the usual way (``--no-fork``), app built (STACK-NOTES: 100-136 MiB)
FORKED_PAGE_MIB = 80  # one forked from the warm template: ~45 MiB PSS with seven marks (make bench, capacity)
RESERVE_MIB = 768  # the Voila server, the kernel template and the system's own needs
HEALTH_PATH = "workbook/health"
RETRY_SECONDS = 10


def memory_available() -> int | None:
    """Bytes this server may still use: the system's ``MemAvailable``, capped by a cgroup limit; None if unknown."""
    found = []
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    found.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            with open(path, encoding="ascii") as handle:
                text = handle.read().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 1 << 60:
            found.append(int(text))
    return min(found) if found else None


def page_mib(fork: bool = True) -> int:
    """The memory a server sets aside for each page: less for kernels forked from its warm template.

    A forked kernel shares the template's memory (the imports, plotly, the content) until it writes to
    it, so what it adds is its own page: measured at about 45 MiB (``make bench``, group capacity, PSS),
    set aside as 80 MiB to leave room for a page used all afternoon. A launched kernel holds
    everything itself.
    """
    return FORKED_PAGE_MIB if fork else PAGE_MIB


def kernel_limit(available: int | None, preheat: int = 0, page_mib: int = PAGE_MIB,
                 reserve_mib: int = RESERVE_MIB) -> int:
    """Pages a server with ``available`` bytes carries at once, after its reserve and ``preheat`` waiting kernels.

    At least 1 (a server that cannot carry one page still says so plainly); 12 when the memory is
    unknown (a room of twelve on a laptop, which is what one server was built for).
    """
    if available is None:
        return 12
    pages = (available // (1024 * 1024) - reserve_mib) // page_mib - max(preheat, 0)
    return max(1, int(pages))


OS_MIB = 512  # what a machine's own system keeps (``MemAvailable`` on an idle server is about its memory less this)


@dataclass(frozen=True)
class Machine:
    """A server machine of a convening: its memory and cores."""

    name: str
    memory_gib: int
    cores: int


MACHINES = (Machine("4 GiB, 2 cores", 4, 2), Machine("8 GiB, 4 cores", 8, 4))


@dataclass(frozen=True)
class Sizing:
    """Servers for a convening of ``members`` simultaneous member pages on ``machine``."""

    members: int
    machine: str
    pages_per_server: int
    servers: int  # enough for every member, plus one spare so a lost server's members find room
    seconds_to_open: float | None  # every member opening the link at the same moment, spread over all servers

    def as_dict(self) -> dict:
        """The sizing as plain values (for the benchmark's JSON)."""
        return asdict(self)


def servers_for(members: int, machine: Machine, pages_per_s_2_cores: float | None, preheat: int = 2,
                spare: int = 1) -> Sizing:
    """How many servers of ``machine`` carry ``members`` at once, and how long a crowd of them waits.

    Each server's page limit is what ``workbook serve`` works out from its memory (:func:`kernel_limit`
    on the machine's memory less ``OS_MIB``, kernels forked as it ships), so the count is the servers'
    own arithmetic, not a hope; ``spare`` servers more keep room for the members of a server that is
    lost. ``pages_per_s_2_cores`` is the rate one 2-core server builds pages at in a burst
    (``make bench``'s capacity group); a machine with more cores is taken to build proportionally
    faster.
    """
    if members < 1:
        raise WorkbookError(f"a convening needs at least one member, not {members}")
    per_server = kernel_limit((machine.memory_gib * 1024 - OS_MIB) * 1024 * 1024, preheat, page_mib(fork=True))
    servers = math.ceil(members / per_server) + max(spare, 0)
    seconds = None
    if pages_per_s_2_cores:
        seconds = round(members / (pages_per_s_2_cores * machine.cores / 2 * servers), 1)
    return Sizing(members, machine.name, per_server, servers, seconds)


def parse_limit(value, where: str = "--max-kernels") -> int:
    """A limit given by a person: a whole number, 0 meaning "from memory"; refused with what is allowed."""
    text = str(value).strip()
    try:
        number = int(text)
    except ValueError:
        raise WorkbookError(f"{where}: {value!r} is not a whole number; give the pages one server may serve at "
                            "once (for example 40), or 0 to work it out from the machine's memory") from None
    if number < 0:
        raise WorkbookError(f"{where}: {number} is negative; give 0 (from memory) or a number of pages, e.g. 40")
    return number


def limit_from_env(preheat: int = 0) -> int:
    """The limit ``workbook serve`` passed to its Voila process (``WORKBOOK_MAX_KERNELS``; 0 or unset: from memory)."""
    number = parse_limit(os.environ.get(MAX_KERNELS_ENV) or 0, MAX_KERNELS_ENV)
    return number or kernel_limit(memory_available(), preheat)


class Gate:
    """Admits a page while the server has room: pages already served plus those being admitted stay within ``limit``.

    A page counts from the moment it is admitted (before its kernel exists), so a room opening
    the link together cannot slip past the limit between the check and the kernel's start.
    """

    def __init__(self, limit: int):
        if limit < 1:
            raise WorkbookError(f"a server's page limit must be at least 1, not {limit}")
        self.limit = limit
        self.admitting = 0

    def pages(self, kernels: int, pooled: int) -> int:
        """Pages served or on their way: kernels that are not waiting in the preheated pool, plus those admitted."""
        return max(kernels - pooled, 0) + self.admitting

    def full(self, kernels: int, pooled: int) -> bool:
        """True when the pages served or being admitted have reached the limit."""
        return self.pages(kernels, pooled) >= self.limit

    def health(self, kernels: int, pooled: int) -> dict:
        """What the balancer's check and a person reading it learn: pages served, the limit, whether it is full."""
        return {"status": "ok", "pages": self.pages(kernels, pooled), "limit": self.limit,
                "full": self.full(kernels, pooled)}


FULL_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="{retry}"><title>The workbook is busy</title>
<style>body {{ font-family: system-ui, sans-serif; background: #F5F7FA; color: #1F2933; margin: 0; padding: 24px; }}
main {{ max-width: 34em; margin: 10vh auto; background: #FFFFFF; padding: 24px 28px; border-radius: 8px;
font-size: 17px; line-height: 1.5; box-shadow: 0 2px 8px rgba(0, 0, 0, 0.15); }}
a {{ display: inline-block; margin-top: 8px; padding: 10px 18px; border-radius: 6px; background: #1B4F72;
color: #FFFFFF; text-decoration: none; }}</style></head>
<body><main role="alert"><h1>The workbook is busy</h1>
<p>Every place on this server is taken right now. Nothing you saved is affected.
This page tries again by itself in {retry} seconds; you can also try now.</p>
<a href="">Try again now</a></main></body></html>
"""


def full_page(retry: int = RETRY_SECONDS) -> str:
    """The plain page a visit gets when every place is taken (it reloads itself after ``retry`` seconds)."""
    return FULL_PAGE.format(retry=int(retry))
