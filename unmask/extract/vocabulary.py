"""How intrusion reports commonly write techniques that neither ATT&CK's names nor the phrases
learned from its procedure examples catch (:mod:`unmask.extract.phrases`).

Written here, from the way DFIR reports and advisories describe ransomware and hands-on-keyboard
intrusions: "deleted shadow copies", "disabled Windows Defender", "MFA fatigue". Each phrase
points at one technique; a learned phrase of the same words gives way to it. Phrases are matched
word by word as the lexicon reads text (lower case, a program's file name as its name).
"""

from __future__ import annotations

__all__ = ["PHRASES"]

_BY_TECHNIQUE: dict[str, tuple[str, ...]] = {
    # Inhibit System Recovery
    "T1490": (
        "deleted shadow copies",
        "delete shadow copies",
        "deleting shadow copies",
        "deleted volume shadow copies",
        "delete volume shadow copies",
        "deleting volume shadow copies",
        "shadow copies were deleted",
        "vssadmin delete shadows",
        "wmic shadowcopy delete",
        "disabled system recovery",
        "deleted backups",
        "deleted the backups",
    ),
    # Data Encrypted for Impact
    "T1486": (
        "encrypted files",
        "encrypting files",
        "encrypt files",
        "files were encrypted",
        "encrypted the files",
        "encrypted servers",
        "encrypted the servers",
        "encrypted systems",
        "encrypted hosts",
        "encrypted virtual machines",
        "encrypted the virtual machines",
        "file encryption",
        "encryption of files",
        "deployed ransomware",
        "deploying ransomware",
        "deploy ransomware",
        "ransomware was deployed",
        "ransom note",
    ),
    # Impair Defenses: Disable or Modify Tools
    "T1562.001": (
        "disabled windows defender",
        "disable windows defender",
        "disabling windows defender",
        "disabled microsoft defender",
        "disabled defender",
        "disabled antivirus",
        "disabled the antivirus",
        "disable antivirus",
        "disabled edr",
        "disabled the edr",
        "disable edr",
        "disabled security tools",
        "disabled security software",
        "tamper protection",
        "killed security processes",
        "uninstalled the antivirus",
    ),
    # Domain or Tenant Policy Modification: Group Policy Modification
    "T1484.001": (
        "group policy object",
        "group policy objects",
        "via gpo",
        "through a gpo",
        "through gpo",
        "using a gpo",
        "new gpo",
        "malicious gpo",
    ),
    "T1550.002": ("pass-the-hash", "pass the hash"),  # Use Alternate Authentication Material
    "T1550.003": ("pass-the-ticket", "pass the ticket"),
    "T1098.004": ("authorized_keys",),  # Account Manipulation: SSH Authorized Keys
    "T1621": (  # Multi-Factor Authentication Request Generation
        "mfa fatigue",
        "mfa bombing",
        "push bombing",
        "mfa push spam",
        "push notification spam",
    ),
    "T1656": (  # Impersonation
        "impersonated the help desk",
        "impersonating the help desk",
        "impersonated it support",
        "impersonating it support",
        "impersonated it staff",
        "posing as it support",
        "posing as the help desk",
    ),
    "T1489": (  # Service Stop
        "stopped services",
        "stop services",
        "stopped database services",
        "stopped sql services",
        "stopped backup services",
    ),
    "T1567.002": ("exfiltrated data to mega", "uploaded data to mega"),  # Exfiltration to Cloud Storage
}

PHRASES: dict[str, str] = {phrase: tid for tid, phrases in _BY_TECHNIQUE.items() for phrase in phrases}
