"""Which events a rule's log source really covers.

A Sigma rule names a log source (``product: windows, category: process_creation``); here
that becomes explicit *routes*: the event family, a SQL filter on channel / event id /
provider, and a field mapping where the same thing has another name (Sysmon's ``Image``
is ``NewProcessName`` in Security event 4688).  The tables come from pySigma's Windows
and Sysmon pipelines; routing is done here because a category rule carries no channel
condition after those pipelines.  A rule is evaluated only over the events of its routes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sigma.pipelines.common import windows_logsource_mapping
from sigma.pipelines.sysmon.sysmon import sysmon_generic_logsource_eventid_mapping
from sigma.pipelines.windows.windows import (
    generic_logsource_to_windows_audit_event_mapping,
    windows_audit_registry_fieldmappings,
    windows_audit_registry_unsupported_fields,
    windows_generic_category_channel_mapping,
)
from sigma.rule import SigmaLogSource

from unmask.detect.sigma.sql import literal, quote
from unmask.ingest.auditd import AUDIT_LOG
from unmask.ingest.ecs import ECS_CATEGORIES

__all__ = ["DERIVED_FIELDS", "Route", "routes_for"]

SYSMON_CHANNEL = "Microsoft-Windows-Sysmon/Operational"
SYSMON_PROVIDER = "Microsoft-Windows-Sysmon"

# Security's names for Sysmon's fields (4688 process creation, 4657 registry value), as pySigma's
# windows-audit pipeline maps them after 4657's own names (its acting process is ProcessName).
AUDIT_FIELDS = {
    "Image": "NewProcessName",
    "ParentImage": "ParentProcessName",
    "Details": "NewValue",
    "LogonId": "SubjectLogonId",
}

# The account a process runs under, as Sysmon's User gives it (DOMAIN\name), from Security 4688:
# the new process's own account (Target*, Windows 10 and later) when the event names one, else its
# creator's (Subject*), whose token it inherits; the well-known service accounts by their SID, as
# 4688 names SYSTEM by the computer's account (WS01$).  Computed by the engine (DERIVED_FIELDS).
AUDIT_USER = "_audit_user"
_WELL_KNOWN = {
    "S-1-5-18": "NT AUTHORITY\\SYSTEM",
    "S-1-5-19": "NT AUTHORITY\\LOCAL SERVICE",
    "S-1-5-20": "NT AUTHORITY\\NETWORK SERVICE",
}


def _account(side: str) -> str:
    sid, domain, name = (quote(f"{side}{part}") for part in ("UserSid", "DomainName", "UserName"))
    known = " ".join(f"WHEN {literal(k)} THEN {literal(v)}" for k, v in _WELL_KNOWN.items())
    written = (
        f"CASE WHEN coalesce({domain}, '-') IN ('', '-') THEN {name} ELSE {domain} || '\\' || {name} END"
    )
    return f"CASE {sid} {known} ELSE {written} END"


DERIVED_FIELDS = {
    AUDIT_USER: (
        f"CASE WHEN coalesce({quote('TargetUserName')}, '-') NOT IN ('', '-') "
        f"AND coalesce({quote('TargetUserSid')}, '') <> 'S-1-0-0' "
        f"THEN {_account('Target')} ELSE {_account('Subject')} END"
    )
}

# Security 4688's names for the rest of Sysmon's process creation fields: the new process's id is
# NewProcessId and its creator's ProcessId (Sysmon's ParentProcessId), the integrity level is the
# SID of the mandatory label (its Sigma words below), the account is derived (AUDIT_USER).
PROCESS_AUDIT_FIELDS = {
    **AUDIT_FIELDS,
    "ProcessId": "NewProcessId",
    "ParentProcessId": "ProcessId",
    "IntegrityLevel": "MandatoryLabel",
    "User": AUDIT_USER,
}
# Sysmon's (and Sigma rules') integrity levels as 4688's mandatory label SIDs: a rule's
# IntegrityLevel 'High' also matches a MandatoryLabel 'S-1-16-12288'.
INTEGRITY_SIDS = {
    "untrusted": "S-1-16-0",
    "low": "S-1-16-4096",
    "medium": "S-1-16-8192",
    "high": "S-1-16-12288",
    "system": "S-1-16-16384",
}
# Sysmon's process creation fields that 4688 does not log: a rule reads them as missing there
# (a selection on them alone does not match a 4688 event, a filter on them does not exclude one).
PROCESS_AUDIT_ABSENT = frozenset(
    name.lower()
    for name in (
        "OriginalFileName", "Description", "Product", "Company", "FileVersion", "Hashes", "md5",
        "sha1", "sha256", "Imphash", "CurrentDirectory", "ParentCommandLine", "ParentUser",
        "ProcessGuid", "ParentProcessGuid", "LogonGuid", "TerminalSessionId", "UtcTime", "RuleName",
    )
)  # fmt: skip

# Programs that log for a Sigma Linux service under other names.
# (OpenSSH 9.8 and later log a session's messages as sshd-session, 10 its authentication as sshd-auth.)
LINUX_PROGRAMS = {"cron": ("crond", "crontab", "anacron"), "sshd": ("ssh", "sshd-session", "sshd-auth")}

# Zeek logs for Sigma's generic network categories.
ZEEK_CATEGORIES = {"dns": "dns", "proxy": "http", "firewall": "conn", "webserver": "http"}

# Sigma's taxonomy names for those categories' fields, as Zeek writes them.
_ZEEK_ENDPOINTS = {
    "src_ip": "id.orig_h",
    "src_port": "id.orig_p",
    "dst_ip": "id.resp_h",
    "dst_port": "id.resp_p",
}
_ZEEK_HTTP = {
    **_ZEEK_ENDPOINTS,
    "c-uri": "uri",
    "c-uri-extension": "uri_extension",
    "cs-uri": "uri",
    "cs-uri-stem": "uri",
    "cs-cookie": "cookie",
    # Zeek's uri holds the query: a rule on the query alone still finds it there.
    "c-uri-query": "uri",
    "cs-uri-query": "uri",
    "c-useragent": "user_agent",
    "cs-user-agent": "user_agent",
    "cs-host": "host",
    "r-dns": "host",
    "cs-method": "method",
    "cs-referrer": "referrer",
    "cs-referer": "referrer",
    "cs-version": "version",
    "sc-status": "status_code",
    "cs-bytes": "request_body_len",
    "sc-bytes": "response_body_len",
}
ZEEK_FIELDS: dict[str, dict[str, str]] = {
    # A proxy's c-uri is the whole URL it was asked for (rules look for "http" at its start, a host
    # in it); a web server's is the path it served.
    "proxy": {**_ZEEK_HTTP, "c-uri": "url"},
    "webserver": _ZEEK_HTTP,
    "firewall": {**_ZEEK_ENDPOINTS, "protocol": "proto"},
    "dns": {
        **_ZEEK_ENDPOINTS,
        "answer": "answers",
        "record_type": "qtype_name",
        "response_code": "rcode_name",
    },
}


# Sigma's other names for the W3C fields the web family keeps (ingest/weblog.py).
WEB_FIELDS = {
    "c-useragent": "cs-user-agent",
    "cs-uri": "c-uri",
    "c-uri-query": "cs-uri-query",
    "c-uri-stem": "cs-uri-stem",
    "cs-referrer": "cs-referer",
    "r-dns": "cs-host",
    "src_ip": "c-ip",
}


# Sigma's other names for the fields of a proxy's request (ingest/weblog.py: proxy_row).
PROXY_FIELDS = {
    "c-useragent": "cs-user-agent",
    "cs-uri": "c-uri",
    "cs-referrer": "cs-referer",
    "r-dns": "cs-host",
    "src_ip": "c-ip",
    "dst_ip": "r-ip",
}


@dataclass(frozen=True)
class Route:
    """The events one rule runs over: a family and a filter, with field names mapped."""

    name: str
    family: str
    filter: str
    field_map: Mapping[str, str] = field(default_factory=dict)
    unsupported_fields: frozenset[str] = frozenset()
    # Events of many products share the generic family: a rule of such a route applies only to
    # the events that have at least one of the fields it names (see rules.compile_rule).
    anchored: bool = False
    # Other forms of a rule's plain value, by field (lower-cased value -> the route's form).
    value_map: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # Fields (lower case) the route's events never have, though a rule of its log source may name
    # them: the rule runs, with a warning naming them.
    absent_fields: frozenset[str] = frozenset()

    @property
    def key(self) -> tuple[str, str]:
        return (self.family, self.filter)


def _values(value: object) -> list[str]:
    items = value if isinstance(value, list | tuple) else [value]
    return [str(v) for v in items]


def _in(column: str, values: list[str]) -> str:
    if len(values) == 1:
        return f"{quote(column)} = {literal(values[0])}"
    return f"{quote(column)} IN ({', '.join(literal(v) for v in values)})"


# Raw EVTX keeps 4657's OperationType as its message code, not pySigma's rendered text.
AUDIT_CODES = {"New registry value created": "%%1904", "Existing registry value modified": "%%1905"}

# Sysmon's event 12 holds both a key created and a key or value deleted.
SYSMON_EVENT_TYPES = {"registry_add": ["CreateKey"], "registry_delete": ["DeleteKey", "DeleteValue"]}

# Services SigmaHQ uses that pySigma's table does not name (yet).
EXTRA_CHANNELS = {
    "ldap": "Microsoft-Windows-LDAP-Client/Debug",
    "iis-configuration": "Microsoft-IIS-Configuration/Operational",
    "smbserver-connectivity": "Microsoft-Windows-SmbServer/Connectivity",
    "smbserver-security": "Microsoft-Windows-SmbServer/Security",
    "kernel-shimengine": "Microsoft-Windows-Kernel-ShimEngine/Operational",
    "hyper-v-worker": "Microsoft-Windows-Hyper-V-Worker",
}


def _channels(service: str) -> list[str] | None:
    mapped = windows_logsource_mapping.get(service) or EXTRA_CHANNELS.get(service)
    return None if mapped is None else _values(mapped)


def _windows(source: SigmaLogSource) -> list[Route]:
    category, service = source.category, source.service
    routes: list[Route] = []
    if category in sysmon_generic_logsource_eventid_mapping:
        ids = _values(sysmon_generic_logsource_eventid_mapping[category])
        where = f"({quote('Channel')} = {literal(SYSMON_CHANNEL)} OR {quote('Provider_Name')} = {literal(SYSMON_PROVIDER)})"
        kind = SYSMON_EVENT_TYPES.get(category)
        if kind is not None:  # event 12 is both: its EventType says which
            where += f" AND {_in('EventType', kind)}"
        routes.append(Route(f"sysmon/{category}", "windows", f"{where} AND {_in('EventID', ids)}"))
    audit: dict[str, dict[str, object]] = generic_logsource_to_windows_audit_event_mapping  # type: ignore[assignment]
    if category in audit:
        conditions = audit[category]
        parts = [_in("Channel", ["Security"])] + [
            _in(k, [*_values(v), *(AUDIT_CODES[x] for x in _values(v) if x in AUDIT_CODES)])
            for k, v in conditions.items()
        ]
        name, where = f"security/{category}", " AND ".join(parts)
        if category == "process_creation":
            values = {"IntegrityLevel": INTEGRITY_SIDS}
            route = Route(
                name,
                "windows",
                where,
                PROCESS_AUDIT_FIELDS,
                value_map=values,
                absent_fields=PROCESS_AUDIT_ABSENT,
            )
        else:
            mapping = {**AUDIT_FIELDS, **windows_audit_registry_fieldmappings}
            route = Route(
                name, "windows", where, mapping, frozenset(windows_audit_registry_unsupported_fields)
            )
        routes.append(route)
    if category in windows_generic_category_channel_mapping:
        info = windows_generic_category_channel_mapping[category]
        channels = _channels(str(info["service"])) or []
        routes.append(
            Route(
                f"{info['service']}/{category}",
                "windows",
                f"{_in('Channel', channels)} AND {_in('EventID', _values(info['EventID']))}",
            )
        )
    if category in ECS_CATEGORIES and not service:
        # Elastic's endpoint events, under Sysmon's names (ingest/ecs.py)
        routes.append(Route(f"ecs/{category}", "windows", _in("_log", [category])))
    if category is None and service is not None:
        found = _channels(service)
        if found is not None:
            routes.append(Route(service, "windows", _in("Channel", found)))
    if category is None and service is None:
        routes.append(Route("windows", "windows", "true"))
    return routes


def routes_for(source: SigmaLogSource) -> list[Route]:
    """The routes of a log source; empty when unmask has no events of that kind."""
    product = (source.product or "").lower()
    if product == "windows":
        return _windows(source)
    if product == "zeek" and source.service:
        return [Route(f"zeek/{source.service}", "zeek", _in("_log", [source.service]))]
    if not product and source.category in ZEEK_CATEGORIES:
        log = ZEEK_CATEGORIES[source.category]
        routes = [Route(f"zeek/{log}", "zeek", _in("_log", [log]), ZEEK_FIELDS[source.category])]
        if source.category == "webserver":  # and the web servers' own access logs (ingest/weblog.py)
            routes.append(Route("web/access", "web", _in("_log", ["access"]), WEB_FIELDS))
        if source.category == "proxy":
            # and proxies' own logs (W3C, CSV, Squid; ingest/weblog.py), and the lines of an access
            # log in a proxy's form (a whole URL or CONNECT asked of a server, or Squid's combined log)
            asked = f"starts_with(lower({quote('c-uri')}), 'http') OR {quote('cs-method')} = 'CONNECT'"
            where = f"{_in('_log', ['proxy'])} OR ({_in('_log', ['access'])} AND ({asked}))"
            routes.append(Route("web/proxy", "web", where, PROXY_FIELDS))
        return routes
    if product == "linux":
        if source.service in ("auth", "syslog"):
            logs = ["auth"] if source.service == "auth" else ["auth", "syslog"]
            return [Route(f"linux/{source.service}", "linux", _in("_log", logs))]
        if source.service == "auditd" and source.category is None:
            # audit.log's records, and those forwarded through syslog (ingest/auditd.py)
            return [Route("linux/auditd", "linux", _in("_log", [AUDIT_LOG]))]
        if source.category in ECS_CATEGORIES and not source.service:
            # the process creations audit.log's execve events make (ingest/auditd.py), and
            # Elastic's endpoint events (ingest/ecs.py)
            return [Route(f"linux/{source.category}", "linux", _in("_log", [source.category]))]
        if source.service and source.category is None:
            # The program's name as syslog writes it, in any case (CRON, crond, crontab for cron).
            names = sorted({source.service.lower(), *LINUX_PROGRAMS.get(source.service.lower(), ())})
            where = f"lower({quote('program')}) IN ({', '.join(literal(n) for n in names)})"
            return [Route(f"linux/{source.service}", "linux", where)]
        if not source.service and not source.category:
            # Any Linux log: every syslog line and audit record, but not the process creations
            # audit.log's execve events make: they repeat the records the route already holds
            # (one "history -c" was three findings of one keyword rule).
            derived = f"({quote('_log')} = 'process_creation' AND ends_with({quote('_record')}, ':process'))"
            return [Route("linux", "linux", f"NOT coalesce({derived}, false)")]
        return []
    if product and source.category in (None, "application"):
        # Cloud and SaaS audit logs (and applications' own: Kubernetes audit) arrive as generic
        # JSON with the product's own field names; a generic event is not known to be the
        # product's, so the rule needs one of its fields.
        return [Route(product, "generic", "true", anchored=True)]
    return []
