"""The names of Windows events' data by position, for exports that keep only the values.

``Get-WinEvent | ConvertTo-Json`` writes an event's data as ``Properties``, a list of
``{"Value": …}`` in the order of the event's template, without the names Sigma's rules use.
For the events hunting rules look at most, the template's names are listed here in that
order.  Later versions of a template add fields at its end, so a list of values names the
first as many fields as it has, and only when its length is one a version of the template has
(and the values where a time or a path belongs look like one): a list of another length keeps
no names rather than wrong ones.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["TEMPLATES", "named_properties", "property_value"]

_SUBJECT = ("SubjectUserSid", "SubjectUserName", "SubjectDomainName", "SubjectLogonId")

# (provider, event id) -> (field names in template order, the lengths its versions have).
TEMPLATES: dict[tuple[str, int], tuple[tuple[str, ...], tuple[int, ...]]] = {
    ("Microsoft-Windows-Security-Auditing", 4624): (
        (*_SUBJECT, "TargetUserSid", "TargetUserName", "TargetDomainName", "TargetLogonId", "LogonType",
         "LogonProcessName", "AuthenticationPackageName", "WorkstationName", "LogonGuid",
         "TransmittedServices", "LmPackageName", "KeyLength", "ProcessId", "ProcessName", "IpAddress",
         "IpPort", "ImpersonationLevel", "RestrictedAdminMode", "TargetOutboundUserName",
         "TargetOutboundDomainName", "VirtualAccount", "TargetLinkedLogonId", "ElevatedToken"),
        (20, 21, 27),
    ),
    ("Microsoft-Windows-Security-Auditing", 4625): (
        (*_SUBJECT, "TargetUserSid", "TargetUserName", "TargetDomainName", "Status", "FailureReason",
         "SubStatus", "LogonType", "LogonProcessName", "AuthenticationPackageName", "WorkstationName",
         "TransmittedServices", "LmPackageName", "KeyLength", "ProcessId", "ProcessName", "IpAddress",
         "IpPort"),
        (21,),
    ),
    ("Microsoft-Windows-Security-Auditing", 4688): (
        (*_SUBJECT, "NewProcessId", "NewProcessName", "TokenElevationType", "ProcessId", "CommandLine",
         "TargetUserSid", "TargetUserName", "TargetDomainName", "TargetLogonId", "ParentProcessName",
         "MandatoryLabel"),
        (8, 9, 15),
    ),
    ("Microsoft-Windows-Security-Auditing", 4698): (
        (*_SUBJECT, "TaskName", "TaskContent", "ClientProcessStartKey", "ClientProcessId",
         "ParentProcessId", "RpcCallClientLocality", "FQDN"),
        (6, 11),
    ),
    ("Microsoft-Windows-Security-Auditing", 4732): (
        ("MemberName", "MemberSid", "TargetUserName", "TargetDomainName", "TargetSid", *_SUBJECT,
         "PrivilegeList"),
        (10,),
    ),
    ("Service Control Manager", 7045): (
        ("ServiceName", "ImagePath", "ServiceType", "StartType", "AccountName"),
        (5,),
    ),
    ("Microsoft-Windows-PowerShell", 4104): (
        ("MessageNumber", "MessageTotal", "ScriptBlockText", "ScriptBlockId", "Path"),
        (5,),
    ),
    ("Microsoft-Windows-Sysmon", 1): (
        ("RuleName", "UtcTime", "ProcessGuid", "ProcessId", "Image", "FileVersion", "Description",
         "Product", "Company", "OriginalFileName", "CommandLine", "CurrentDirectory", "User", "LogonGuid",
         "LogonId", "TerminalSessionId", "IntegrityLevel", "Hashes", "ParentProcessGuid",
         "ParentProcessId", "ParentImage", "ParentCommandLine", "ParentUser"),
        (22, 23),
    ),
    ("Microsoft-Windows-Sysmon", 3): (
        ("RuleName", "UtcTime", "ProcessGuid", "ProcessId", "Image", "User", "Protocol", "Initiated",
         "SourceIsIpv6", "SourceIp", "SourceHostname", "SourcePort", "SourcePortName",
         "DestinationIsIpv6", "DestinationIp", "DestinationHostname", "DestinationPort",
         "DestinationPortName"),
        (18,),
    ),
    ("Microsoft-Windows-Sysmon", 7): (
        ("RuleName", "UtcTime", "ProcessGuid", "ProcessId", "Image", "ImageLoaded", "FileVersion",
         "Description", "Product", "Company", "OriginalFileName", "Hashes", "Signed", "Signature",
         "SignatureStatus", "User"),
        (15, 16),
    ),
    ("Microsoft-Windows-Sysmon", 10): (
        ("RuleName", "UtcTime", "SourceProcessGUID", "SourceProcessId", "SourceThreadId", "SourceImage",
         "TargetProcessGUID", "TargetProcessId", "TargetImage", "GrantedAccess", "CallTrace",
         "SourceUser", "TargetUser"),
        (11, 13),
    ),
    ("Microsoft-Windows-Sysmon", 11): (
        ("RuleName", "UtcTime", "ProcessGuid", "ProcessId", "Image", "TargetFilename", "CreationUtcTime",
         "User"),
        (7, 8),
    ),
    ("Microsoft-Windows-Sysmon", 13): (
        ("RuleName", "EventType", "UtcTime", "ProcessGuid", "ProcessId", "Image", "TargetObject", "Details",
         "User"),
        (8, 9),
    ),
    ("Microsoft-Windows-Sysmon", 22): (
        ("RuleName", "UtcTime", "ProcessGuid", "ProcessId", "QueryName", "QueryStatus", "QueryResults",
         "Image", "User"),
        (8, 9),
    ),
}  # fmt: skip

# Fields Windows renders in hexadecimal, by provider.
_HEX_FIELDS = {
    "Microsoft-Windows-Security-Auditing": (
        "SubjectLogonId", "TargetLogonId", "TargetLinkedLogonId", "NewProcessId", "ProcessId",
    ),
    "Microsoft-Windows-Sysmon": ("LogonId",),
}  # fmt: skip
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}")
_TIMES = frozenset({"UtcTime", "CreationUtcTime"})
_PATHS = frozenset({"Image", "NewProcessName", "ImageLoaded", "SourceImage", "TargetImage", "ParentImage"})


def property_value(item: Any) -> Any:
    """A property's value: ``{"Value": x}``, and deeper with ``ConvertTo-Json -Depth`` 3 and more
    (an account's SID is ``{"Value": {"BinaryLength": 12, "Value": "S-1-5-18"}}``)."""
    while isinstance(item, dict) and "Value" in item:
        item = item["Value"]
    return item


def _fits(names: tuple[str, ...], values: list[Any]) -> bool:
    """Whether the values where a time or a path belongs look like one (else the template's
    order is not this export's)."""
    for name, value in zip(names, values, strict=False):
        text = "" if value is None else str(value)
        if name in _TIMES and text and not _TIME.match(text):
            return False
        if name in _PATHS and text not in ("", "-") and "\\" not in text and "/" not in text:
            return False
    return True


def named_properties(provider: str | None, event_id: str, properties: Any) -> dict[str, Any] | None:
    """The event's data named by its template, or ``None`` when the template is not known here
    or the values do not fit it."""
    if not provider or not isinstance(properties, list) or not event_id.isdigit():
        return None
    template = TEMPLATES.get((provider, int(event_id)))
    if template is None:
        return None
    names, lengths = template
    values = [property_value(item) for item in properties]
    if len(values) not in lengths or not _fits(names, values):
        return None
    named = dict(zip(names, values, strict=False))
    for name in _HEX_FIELDS.get(provider, ()):
        # Windows renders these in hexadecimal ("0x3e7"), as Sigma's rules write them; PowerShell's
        # JSON gives the number.
        value = named.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            named[name] = hex(value)
    return named
