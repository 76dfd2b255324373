"""Known-benign values (MISP warninglists, shipped by ``pymispwarninglists``).

Indicators and values extracted from reports are checked here before they become evidence:
a public DNS resolver, a vendor's own domain or an RFC 1918 address is reported as suppressed,
with the list that names it, never silently dropped.

pymispwarninglists' fast search does exact lookups only, so CIDR lists (RFC 1918, cloud
ranges) would never match an address; its slow search is correct but takes seconds to load
and a tenth of a second per value.  Here (see :data:`MAX_LIST_ENTRIES`): exact sets for string and hostname lists (a hostname
list also covers subdomains), and per-list sorted, merged address intervals for CIDR lists.
"""

from __future__ import annotations

import bisect
import ipaddress
import re
from dataclasses import dataclass, field
from functools import lru_cache

__all__ = ["ABUSED", "MAX_LIST_ENTRIES", "REFERENCES", "RENTABLE", "BenignIndex", "benign_index"]

# Popularity rankings of a million sites are left out: a rank is no proof of innocence (attackers
# host on popular platforms), and they would cost seconds and a hundred MB per run.  Address
# ranges are always kept, however long.
MAX_LIST_ENTRIES = 100_000

# Lists that say how popular a site is, or that name services adversaries routinely abuse
# (dynamic DNS, URL shorteners, "living off trusted sites", IPFS gateways, disposable mail,
# link-in-bio and parking services): a subdomain of duckdns.org or a page on a popular site is
# where an intruder's server or payload often is, so these lists suppress nothing.
ABUSED = re.compile(
    r"\btop\b|most-used|alexa|tranco|umbrella|majestic|crux|dynamic dns|living off trusted"
    r"|url shortener|ipfs|disposable|link in bio|parking",
    re.IGNORECASE,
)

# Address ranges anyone can rent (VPN providers, datacenters, cloud platforms, CDNs) are where
# adversaries host their servers: being in one says nothing about innocence, so these lists
# do not suppress anything.
RENTABLE = re.compile(r"vpn|datacenter|data center|cloud platform|amazon aws|azure|cloudflare", re.IGNORECASE)


@dataclass
class _Ranges:
    name: str
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)

    def contains(self, value: int) -> bool:
        index = bisect.bisect_right(self.starts, value) - 1
        return index >= 0 and value <= self.ends[index]


def _merge(intervals: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    intervals.sort()
    starts: list[int] = []
    ends: list[int] = []
    for start, end in intervals:
        if starts and start <= ends[-1] + 1:
            ends[-1] = max(ends[-1], end)
        else:
            starts.append(start)
            ends.append(end)
    return starts, ends


# Documentation ranges (RFC 5737, RFC 3849) stand for public addresses in examples and exercises.
DOCUMENTATION_NETWORKS = tuple(
    ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")
)


def documentation(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether an address is in a documentation range: a stand-in for a public address."""
    return any(address in network for network in DOCUMENTATION_NETWORKS if network.version == address.version)


class BenignIndex:
    """Which warninglists name a value."""

    def __init__(self, lists: list[tuple[str, str, list[str]]]) -> None:
        """``lists``: (name, type, entries) with type ``string``, ``hostname``, ``cidr``, ``substring``."""
        self.exact: dict[str, list[str]] = {}
        self.hostnames: dict[str, list[str]] = {}
        self.substrings: list[tuple[str, str]] = []
        self.ranges: dict[int, list[_Ranges]] = {4: [], 6: []}
        for name, kind, entries in lists:
            if kind == "cidr":
                by_version: dict[int, list[tuple[int, int]]] = {4: [], 6: []}
                for entry in entries:
                    try:
                        network = ipaddress.ip_network(entry.strip(), strict=False)
                    except ValueError:
                        continue
                    by_version[network.version].append(
                        (int(network.network_address), int(network.broadcast_address))
                    )
                for version, intervals in by_version.items():
                    if intervals:
                        starts, ends = _merge(intervals)
                        self.ranges[version].append(_Ranges(name, starts, ends))
            elif kind in ("string", "hostname"):
                # Resolver host names are exact: a list of them includes bare hosting domains
                # (tube-hosting.com), and their subdomains are anyone's rented servers.
                subdomains = kind == "hostname" and "resolver" not in name.lower()
                target = self.hostnames if subdomains else self.exact
                for entry in entries:
                    key = entry.strip().lower().rstrip(".")
                    if key:
                        target.setdefault(key, []).append(name)
            elif kind == "substring":
                self.substrings.extend((entry.lower(), name) for entry in entries if len(entry) >= 4)

    def lists_for(self, value: str) -> list[str]:
        """The names of the lists that call ``value`` benign (empty when none does)."""
        text = value.strip().lower().rstrip(".")
        if "://" in text:
            # A URL is vouched for only when it is a reference (attack.mitre.org/techniques/...):
            # a page on a big platform's host (docs.google.com/...) is often the intruder's.
            host = text.split("://", 1)[1].split("/", 1)[0].split("@")[-1].split(":")[0]
            return [name for name in self.lists_for(host) if name == REFERENCES[0]]
        names = list(self.exact.get(text, ()))
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            address = None
        if address is not None and documentation(address):
            return []  # a stand-in for a public address (examples, exercises): not vouched for
        if address is not None:
            number = int(address)
            names += [r.name for r in self.ranges[address.version] if r.contains(number)]
        else:
            labels = text.split(".")
            for i in range(len(labels) - 1):
                names += self.hostnames.get(".".join(labels[i:]), [])
            names += [name for needle, name in self.substrings if needle in text]
        return list(dict.fromkeys(names))


# The knowledge bases reports cite (https://attack.mitre.org/techniques/T1059): references, not
# an intruder's infrastructure.
REFERENCES = (
    "unmask: reference sites cited in reports",
    "hostname",
    ["attack.mitre.org", "cve.mitre.org", "cwe.mitre.org", "capec.mitre.org", "d3fend.mitre.org",
     "car.mitre.org", "nvd.nist.gov", "www.cve.org", "cve.org", "www.first.org", "malpedia.caad.fkie.fraunhofer.de"],
)  # fmt: skip


@lru_cache(maxsize=1)
def benign_index() -> BenignIndex:
    """The index of every warninglist pymispwarninglists ships (loaded once per process)."""
    from pymispwarninglists.api import WarningLists

    lists = WarningLists(slow_search=False).warninglists.values()
    return BenignIndex(
        [
            (w.name, w.type, [str(e) for e in w.list])
            for w in lists
            if (len(w.list) <= MAX_LIST_ENTRIES or w.type == "cidr")
            and not RENTABLE.search(w.name)
            and not ABUSED.search(w.name)
        ]
        + [REFERENCES]
    )
