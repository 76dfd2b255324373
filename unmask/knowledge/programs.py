"""Names analysts give a program that no source lists as its names.

A script or module of a toolkit is the toolkit ("wmiexec" is Impacket's, "PowerView"
PowerSploit's); a name written out is its short form ("Fast Reverse Proxy" is FRP); and a
program named with the part of it that ran ("Cobalt Strike beacon", "ScreenConnect client") is
the program.  Written here from the tools' own documentation; a name a source does list wins.
"""

from __future__ import annotations

from unmask.knowledge.aliases import FAMILY_KINDS

__all__ = ["PART_WORDS", "PROGRAM_OF"]

# A script or module -> the program whose ATT&CK (or other source's) name it resolves to.
PROGRAM_OF = {
    **dict.fromkeys(
        [
            "wmiexec", "smbexec", "atexec", "dcomexec", "psexec.py", "wmiexec.py", "smbexec.py",
            "atexec.py", "dcomexec.py", "secretsdump.py", "ntlmrelayx", "ntlmrelayx.py", "GetUserSPNs",
            "GetUserSPNs.py", "GetNPUsers", "GetNPUsers.py", "ticketer.py", "smbclient.py",
        ],
        "Impacket",
    ),
    **dict.fromkeys(["PowerView", "PowerUp", "Invoke-Kerberoast", "Get-GPPPassword"], "PowerSploit"),
    "Invoke-Mimikatz": "Mimikatz",
    "Fast Reverse Proxy": "FRP",
}  # fmt: skip

# The part of a program that ran, after the program's name: "Cobalt Strike beacon".
PART_WORDS = frozenset(
    {"beacon", "implant", "agent", "client", "server", "payload", "binary", "executable", "module", "dll"}
)
# Words written after a program's or an actor's name that say what it is, or which part of it ran,
# not which one ("Cobalt Strike beacon", "MuddyWater APT", "Emotet loader", "LockBit operators"):
# read past in suggestions, in ambiguous names, and in a name that goes on in a report.
QUALIFIER_WORDS = frozenset(
    [*PART_WORDS, *FAMILY_KINDS, "apt", "group", "team", "gang", "actor", "actors", "crew", "operators",
     "affiliates", "malware", "tool", "tools", "framework", "trojan", "dropper", "rootkit", "locker",
     "worm", "botnet", "variant", "sample", "samples", "family", "campaign"]
)  # fmt: skip
