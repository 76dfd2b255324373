"""The fields of a Windows event read back from its rendered message.

Some exports keep only the text Event Viewer shows: Event Viewer's "Save as CSV", and
PowerShell's ``Get-WinEvent | Export-Csv``, whose event data column holds a .NET type name.
The message lays the event data out as labelled lines under section headings::

    Process Information:
        New Process Name:   C:\\Windows\\System32\\whoami.exe
        Process Command Line:   whoami /priv

Sysmon labels its lines with the field names themselves (``CommandLine: whoami /priv``).  Here
the labels become the names Sigma's rules use (those of the event's XML): a label under a
section that says whose it is (the subject's account, the new logon's, the target's), else by
the label alone, else the label without its spaces ("Share Name" is ``ShareName``).  A
PowerShell script block's text is the lines after "Creating Scriptblock text (1 of 1):".
Only English messages are read (another language's labels become fields of their own names).
"""

from __future__ import annotations

import re

__all__ = ["CHANNEL_OF_PROVIDER", "message_fields"]

# The channel a provider writes to, for exports that name the provider (Event Viewer's "Source")
# but not the log: Sigma's Windows rules select their events by channel.
CHANNEL_OF_PROVIDER = {
    "microsoft-windows-security-auditing": "Security",
    "service control manager": "System",
    "microsoft-windows-sysmon": "Microsoft-Windows-Sysmon/Operational",
    "microsoft-windows-powershell": "Microsoft-Windows-PowerShell/Operational",
    "powershell": "Windows PowerShell",
    "microsoft-windows-windows defender": "Microsoft-Windows-Windows Defender/Operational",
    "microsoft-windows-taskscheduler": "Microsoft-Windows-TaskScheduler/Operational",
    "microsoft-windows-wmi-activity": "Microsoft-Windows-WMI-Activity/Operational",
    "microsoft-windows-bits-client": "Microsoft-Windows-Bits-Client/Operational",
    "microsoft-windows-terminalservices-localsessionmanager": (
        "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational"
    ),
}

# Whose account a section describes: the prefix of its fields' names.
_SECTIONS = {
    "subject": "Subject",
    "creator subject": "Subject",
    "target subject": "Target",
    "new logon": "Target",
    "account for which logon failed": "Target",
    "account whose credentials were used": "Target",
    "new account": "Target",
    "target account": "Target",
    "account that was locked out": "Target",
    "logon account": "Target",
    "member": "Member",
}
_ACCOUNT_LABELS = {
    "security id": "UserSid",
    "account name": "UserName",
    "account domain": "DomainName",
    "logon id": "LogonId",
}
_MEMBER_LABELS = {"security id": "MemberSid", "account name": "MemberName"}
# Labels whose field has another name than the label without spaces (Security, System events).
_LABELS = {
    "new process name": "NewProcessName",
    "new process id": "NewProcessId",
    "creator process name": "ParentProcessName",
    "creator process id": "ProcessId",
    "process command line": "CommandLine",
    "token elevation type": "TokenElevationType",
    "mandatory label": "MandatoryLabel",
    "logon type": "LogonType",
    "workstation name": "WorkstationName",
    "source network address": "IpAddress",
    "source address": "IpAddress",
    "source port": "IpPort",
    "logon process": "LogonProcessName",
    "authentication package": "AuthenticationPackageName",
    "package name (ntlm only)": "LmPackageName",
    "process name": "ProcessName",
    "process id": "ProcessId",
    "failure reason": "FailureReason",
    "status": "Status",
    "sub status": "SubStatus",
    "group name": "TargetUserName",
    "group domain": "TargetDomainName",
    "service file name": "ImagePath",
    "service start type": "StartType",
    "service account": "AccountName",
    "task name": "TaskName",
    "task content": "TaskContent",
    "share name": "ShareName",
    "share path": "ShareLocalPath",
    "relative target name": "RelativeTargetName",
    "object name": "ObjectName",
    "object type": "ObjectType",
    "object server": "ObjectServer",
    "accesses": "AccessList",
    "access mask": "AccessMask",
    "ticket encryption type": "TicketEncryptionType",
    "ticket options": "TicketOptions",
    "service name": "ServiceName",
    "client address": "IpAddress",
    "client port": "IpPort",
}
_LINE = re.compile(r"^(\s*)([A-Za-z][A-Za-z0-9 ()/.'-]{0,60}):[ \t]*(.*)$")
_SYSMON_LINE = re.compile(r"^([A-Za-z][A-Za-z0-9]{1,40}): ?(.*)$")
_SCRIPT_BLOCK = re.compile(r"^Creating Scriptblock text \(\d+ of \d+\):\s*$", re.MULTILINE)


def message_fields(message: str, provider: str | None = None) -> dict[str, str]:
    """The event data a rendered message shows, under Sigma's names; empty when it shows none."""
    text = message.replace("\r\n", "\n").replace("\r", "\n")
    if (provider or "").lower() == "microsoft-windows-sysmon":
        return _sysmon(text)
    block = _SCRIPT_BLOCK.search(text)
    if block is not None:
        return _script_block(text[block.end() :])
    found: dict[str, str] = {}
    section: str | None = None
    last: str | None = None  # the field the line before set
    for line in text.split("\n"):
        match = _LINE.match(line)
        if match is None:
            if last is not None and line.strip().startswith("<"):  # 4698's task XML, line by line
                found[last] += "\n" + line.rstrip()
            elif line.strip():
                last = None
            continue
        last = None
        indent, label, value = match.group(1), match.group(2).strip(), match.group(3).strip()
        key = label.lower()
        if not value and not indent:  # a section heading ("Subject:", "Process Information:")
            section = _SECTIONS.get(key)
            continue
        name = _name(key, label, section)
        if name and value and value != "-" and name not in found:
            found[name] = value
            last = name
    return found


def _name(key: str, label: str, section: str | None) -> str | None:
    if section == "Member" and key in _MEMBER_LABELS:
        return _MEMBER_LABELS[key]
    if section is not None and key in _ACCOUNT_LABELS:
        return section + _ACCOUNT_LABELS[key]
    if key in _LABELS:
        return _LABELS[key]
    name = "".join(word[:1].upper() + word[1:] for word in re.split(r"[ /()'.-]+", label) if word)
    return name or None


def _sysmon(text: str) -> dict[str, str]:
    """Sysmon's lines are ``Field: value`` under the fields' own names."""
    found: dict[str, str] = {}
    for line in text.split("\n"):
        match = _SYSMON_LINE.match(line.strip())
        if match and match.group(2).strip() not in ("", "-"):
            found.setdefault(match.group(1), match.group(2).strip())
    return found


def _script_block(rest: str) -> dict[str, str]:
    """PowerShell 4104: the script's lines, then "ScriptBlock ID: …" and "Path: …"."""
    script, _, tail = rest.partition("\nScriptBlock ID:")
    found = {"ScriptBlockText": script.strip("\n")}
    ident, _, path = tail.partition("\nPath:")
    if ident.strip():
        found["ScriptBlockId"] = ident.strip()
    if path.strip():
        found["Path"] = path.strip()
    return found
