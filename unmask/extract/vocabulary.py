"""How intrusion reports commonly write techniques that neither ATT&CK's names nor the phrases
learned from its procedure examples catch (:mod:`unmask.extract.phrases`).

Written here, from the way DFIR reports and advisories describe ransomware and hands-on-keyboard
intrusions: "deleted shadow copies", "disabled Windows Defender", "MFA fatigue". Each phrase
points at one technique; a learned phrase of the same words gives way to it. Phrases are matched
word by word as the lexicon reads text (lower case, a program's file name as its name).

Also here, the words that tell apart techniques sharing a name and that a technique name which is
an everyday noun needs beside it (``CONTEXT_STEMS``; :mod:`unmask.extract.lexicon` applies them).
"""

from __future__ import annotations

__all__ = [
    "API_NAMES",
    "CASE_TERMS",
    "COMMANDS",
    "COMMAND_CHANGES",
    "CONTEXT_STEMS",
    "DISTINCTIVE_TECHNIQUE_NAMES",
    "ERASING",
    "EVERYDAY_TECHNIQUE_NAMES",
    "LACKING",
    "LACKING_WORDS",
    "NEEDS_BESIDE",
    "PASSING_FOR",
    "PHRASES",
    "RECON_PARENTS",
    "RECORDS",
    "RESOURCE_PARENTS",
    "SAFE_MODE_BOOT",
    "SYSTEM_PROGRAMS",
    "THINGS_OF",
]

# What a report says was rebooted or shut down: "rebooted the infected hosts", "reboots the victim's machine".
_MACHINES = (
    "the system", "the systems", "systems", "the machine", "the machines", "the host", "the hosts",
    "the computer", "the computers", "the infected system", "the infected systems", "the infected machine",
    "the infected host", "the infected hosts", "the victim system", "the victim machine", "the victim's machine",
    "the target system", "victim machines",
)  # fmt: skip

# What ransomware encrypts: "encrypted the victim's data", "encrypts the MFT", "encrypting the hard drives".
_ENCRYPTED = (
    "the victim's files", "the victims' files", "victim files", "victims' files", "user files",
    "the user's files", "the users' files", "the victim's data", "the victims' data", "the master file table",
    "the mft", "the master boot record", "the mbr", "the disk", "the disks", "the hard drive", "the hard drives",
)  # fmt: skip


def _each(verbs: tuple[str, ...], objects: tuple[str, ...]) -> tuple[str, ...]:
    """Each verb with each of its objects ("rebooted the machine", "reboots the hosts", ...)."""
    return tuple(f"{verb} {thing}" for verb in verbs for thing in objects)


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
        "encrypted file servers",
        "encrypted the file servers",
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
        # the victim's files, and the disk's structures, which ATT&CK's T1486 names too (NotPetya's MBR)
        *_each(("encrypt", "encrypts", "encrypted", "encrypting"), _ENCRYPTED),
        "encrypts files",
    ),
    # Obfuscated Files or Information: Binary Padding ("junk data" alone is C2's Junk Data, T1001.001)
    "T1027.001": (
        "padded with junk data",
        "padded with junk",
        "padded with null bytes",
        "padded with zeros",
        "inflated with junk data",
        "binary padding",
    ),
    "T1053.005": (  # Scheduled Task/Job: Scheduled Task, as a verb and as the command that makes one
        "scheduled a task",
        "schedules a task",
        "schedule a task",
        "scheduling a task",
        "scheduled a new task",
        "schtasks /create",
    ),
    # System Shutdown/Reboot (a reboot into safe mode is Safe Mode Boot: see SAFE_MODE_BOOT)
    "T1529": (
        # the malware's, in the present ("the IT team rebooted the systems", "the victim shut down
        # the systems" are containment)
        *_each(("reboot", "reboots", "rebooting", "shuts down"), _MACHINES),
        # and in the past only what was the intrusion's ("rebooted the infected hosts")
        *_each(
            ("rebooted",), tuple(m for m in _MACHINES if "infected" in m or "victim" in m or "target" in m)
        ),
        "forced a reboot",
        "forces a reboot",
        "force a reboot",
        "forcing a reboot",
        "forced reboot",
        "forced a restart",
        "forces a restart",
        "initiated a reboot",
        "initiates a reboot",
        "initiate a reboot",
        "shutdown /r",
        "shutdown -r",
        "shutdown /s",
        "shutdown -h",
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
        "setenforce 0",
        "disabled selinux",
        "disable selinux",
        "disabling selinux",
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
    "T1567.002": (  # Exfiltration to Cloud Storage
        "exfiltrated data to mega",
        "uploaded data to mega",
        "exfiltrated with rclone",
        "exfiltrated data with rclone",
        "exfiltrated data using rclone",
        "rclone was used to exfiltrate",
    ),
    "T1611": (  # Escape to Host
        "container escape",
        "escaped the container",
        "escape the container",
        "escaped from the container",
        "container breakout",
        "broke out of the container",
        "break out of the container",
    ),
    "T1610": (  # Deploy Container
        "created a container",
        "deployed a container",
        "deployed a malicious container",
        "deployed malicious containers",
        "ran a privileged container",
        "started a privileged container",
        "launched a privileged container",
    ),
    "T1613": ("docker ps", "kubectl get pods", "listed the running containers", "enumerated containers"),
    "T1574.006": ("ld.so.preload", "ld_preload"),  # Hijack Execution Flow: Dynamic Linker Hijacking
    "T1070.003": (  # Indicator Removal: Clear Command History
        "cleared the shell history",
        "cleared shell history",
        "deleted the shell history",
        "clear the shell history",
        "cleared the bash history",
        "cleared bash history",
        "deleted the bash history",
        "cleared the command history",
        "history -c",
    ),
    "T1070.006": ("timestomped", "timestomping", "timestomp"),  # Indicator Removal: Timestomp
    "T1547.006": ("insmod", "loaded a kernel module", "loadable kernel module"),  # Kernel Modules
    "T1014": ("installed a rootkit", "deployed a rootkit", "used a rootkit"),  # Rootkit
    "T1021.001": ("over rdp", "via rdp", "through rdp", "using rdp"),  # Remote Desktop Protocol
    "T1021.002": ("over smb", "via smb", "through smb"),  # SMB/Windows Admin Shares
    "T1105": ("with curl", "with wget", "using curl", "using wget", "via curl", "via wget"),
    "T1190": (  # Exploit Public-Facing Application
        "exploited a public-facing application",
        "exploited public-facing applications",
        "exploiting a public-facing application",
        "exploiting public-facing applications",
        "exploit a public-facing application",
        "exploit public-facing applications",
        "exploited an internet-facing",
        "exploiting an internet-facing",
        "exploited internet-facing",
        "exploiting internet-facing",
        "exploited a vulnerable internet-facing",
        "exploited a public-facing",
        "exploiting a public-facing",
    ),
    "T1561.002": (  # Disk Wipe: Disk Structure Wipe
        "overwrote the mbr",
        "overwrites the mbr",
        "overwrite the mbr",
        "overwriting the mbr",
        "wiped the mbr",
        "wipes the mbr",
        "corrupted the mbr",
        "overwrote the master boot record",
        "overwrites the master boot record",
        "overwriting the master boot record",
        "mbr wiper",
        # the NTFS Master File Table, as HermeticWiper overwrites it (its encryption is T1486)
        *_each(
            (
                "overwrote",
                "overwrites",
                "overwriting",
                "wiped",
                "wipes",
                "corrupted",
                "corrupts",
                "destroyed",
            ),
            ("the mft", "the master file table"),
        ),
    ),
    "T1561.001": (  # Disk Wipe: Disk Content Wipe
        "wiped the disks",
        "wiped the disk",
        "wipes the disk",
        "wiped disks",
        "erased the disks",
        "erased the disk",
        "wiped the hard drives",
        "wiped hard drives",
        "disk wiper",
    ),
    "T1485": (  # Data Destruction
        "wiped files",
        "wiped the files",
        "wipes files",
        "destroyed data",
        "destroyed the data",
        "destroyed files",
        "data wiper",
        "deployed a wiper",
        "deployed wiper malware",
    ),
    "T1560.001": (  # Archive Collected Data: Archive via Utility
        "archived with winrar",
        "archived with 7-zip",
        "archived with rar",
        "compressed with winrar",
        "compressed with 7-zip",
        "compressed with rar",
        "staged with 7-zip",
        "staged with winrar",
        "archived using 7-zip",
        "compressed using 7-zip",
        "password-protected 7-zip archive",
        "rar archives",
    ),
    "T1059.003": (  # Command and Scripting Interpreter: Windows Command Shell
        "batch script",
        "batch scripts",
        "batch file",
        "batch files",
    ),
    "T1195.002": (  # Supply Chain Compromise: Compromise Software Supply Chain
        "trojanized installer",
        "trojanized a signed installer",
        "trojanized the installer",
        "trojanised installer",
        "trojanised the installer",
        "trojanized software update",
        "trojanized update",
        "compromised the software update",
        "compromised the update server",
        "supply-chain attack",
        "software supply chain",
    ),
    "T1136.001": ("useradd", "adduser", "net user /add"),  # Create Account: Local Account
    "T1562.008": (  # Impair Defenses: Disable or Modify Cloud Logs
        "stoplogging",
        "deletetrail",
        "disabled cloudtrail",
        "disable cloudtrail",
        "disabled cloudtrail logging",
        "disable cloudtrail logging",
        "stopped cloudtrail logging",
    ),
    "T1552.005": (  # Unsecured Credentials: Cloud Instance Metadata API
        "169.254.169.254",
        "instance metadata service",
        "instance metadata api",
        "instance metadata endpoint",
    ),
    "T1552.001": ("aws/credentials", "kube/config", "docker/config.json"),  # Credentials In Files
    "T1003.008": ("etc/shadow",),  # OS Credential Dumping: /etc/passwd and /etc/shadow
    "T1003.001": (
        "dumped lsass",
        "dumping lsass",
        "lsass dump",
        "lsass dumping",
        "comsvcs.dll",
        "logonpasswords",  # Mimikatz's sekurlsa::logonpasswords
        "sekurlsa",
    ),  # LSASS Memory
    "T1055": (  # Process Injection, where the report does not say how
        "injected shellcode",
        "injects shellcode",
        "shellcode injection",
        "code injection",
        "injected code into",
        "injects code into",
        "injected itself into",
        "injects itself into",
    ),
    "T1055.001": ("dll injection", "injected a dll", "injects a dll"),  # Dynamic-link Library Injection
    "T1555.003": (  # Credentials from Web Browsers
        "browser credentials",
        "browser passwords",
        "credentials saved in browsers",
        "credentials stored in browsers",
        "passwords stored in the browser",
    ),
    "T1048": (  # Exfiltration Over Alternative Protocol
        "exfiltrated over sftp",
        "exfiltrated via sftp",
        "exfiltrated data over sftp",
        "exfiltration over sftp",
        "exfiltrated over ftp",
        "exfiltrated via ftp",
        "exfiltrated data over ftp",
    ),
    "T1003.003": ("ntds.dit", "ntdsutil", "ntdsutil.exe"),  # OS Credential Dumping: NTDS
    "T1047": ("wmic", "wmic.exe"),  # Windows Management Instrumentation
    "T1606.002": ("golden saml",),  # Forge Web Credentials: SAML Tokens
    "T1550.004": ("pass-the-cookie", "pass the cookie"),  # Web Session Cookie
    "T1548.002": ("uac bypass", "bypassed uac", "bypass uac", "bypassing uac"),  # Bypass User Account Control
    "T1134.001": ("token impersonation", "access token impersonation"),  # Token Impersonation/Theft
    "T1496.001": (  # Resource Hijacking: Compute Hijacking
        "cryptominer",
        "cryptominers",
        "cryptomining",
        "cryptojacking",
        "coin miner",
        "coinminer",
        "mining pool",
        "monero miner",
        "deployed xmrig",
    ),
    "T1566": (  # Phishing: the e-mail without saying what it carried
        "phishing email",
        "phishing emails",
        "phishing e-mails",
        "phishing campaign",
        "phishing lure",
        "phishing lures",
        "spearphishing",
        "spear-phishing",
        "spear phishing",
        "spearphishing email",
        "spearphishing emails",
        "spear-phishing email",
        "spear-phishing emails",
        "spear phishing emails",
        "spearphishing campaign",
        "spear-phishing campaign",
        "spear phishing campaign",
    ),
    "T1566.001": (  # Phishing: Spearphishing Attachment
        "malicious attachments",  # "opened a malicious attachment" is more often User Execution
        "emails with malicious attachments",
        "weaponized attachment",
        "weaponized attachments",
        "weaponised attachment",
        "weaponised attachments",
        "phishing attachment",
        "phishing attachments",
        # what the e-mail carried, named by its kind of file ("opened a ZIP attachment")
        "zip attachment",
        "zip attachments",
        "zipped attachment",
        "rar attachment",
        "iso attachment",
        "7z attachment",
    ),
    "T1003": (  # OS Credential Dumping, where the report does not say from where
        "dumped credentials",
        "dump credentials",
        "dumping credentials",
        "credential dumping",
        "credentials were dumped",
    ),
    "T1090.001": (  # Proxy: Internal Proxy, as Windows' own port forwarding sets one up
        "portproxy add",
        "portproxy set",
        "netsh interface portproxy add",
        "netsh interface portproxy set",
        "set up a port proxy",
    ),
    "T1566.002": (  # Phishing: Spearphishing Link
        "malicious links",
        "phishing links",
        "emails with links",
        "emails containing links",
        "emails containing a link",
    ),
}

# The commands operators run to look around, as reports quote them, in prose or in a block of code
# ("ran `net view`", 'net group "domain admins" /domain'): each is the discovery technique it is,
# beside the program ATT&CK lists (Arp, Tasklist), unless a switch after it changes what it lists
# (``COMMAND_CHANGES``: "net localgroup administrators svc_bk /add" adds an account).
_COMMANDS: dict[str, tuple[str, ...]] = {
    # "net view" lists the computers of the network (Remote System Discovery); "net view \\host"
    # that host's shares (lexicon.SHARES_OF_A_HOST reads it so), as "net share" lists the local ones.
    "T1135": ("net share",),  # Network Share Discovery
    "T1069.002": ('net group "domain admins"', "net group /domain"),  # Permission Groups: Domain Groups
    "T1069.001": ("net localgroup administrators",),  # Permission Groups Discovery: Local Groups
    "T1087.002": ("net user /domain",),  # Account Discovery: Domain Account
    "T1018": ("arp -a", "net view"),  # Remote System Discovery
    "T1016": ("ipconfig /all",),  # System Network Configuration Discovery
    "T1082": ("systeminfo",),  # System Information Discovery
    "T1057": ("tasklist",),  # Process Discovery
    "T1033": ("quser", "query user", "whoami"),  # System Owner/User Discovery
}
COMMANDS = frozenset(command for commands in _COMMANDS.values() for command in commands)
COMMAND_CHANGES = frozenset(("add", "delete", "del", "grant"))

PHRASES: dict[str, str] = {
    phrase: tid
    for table in (_BY_TECHNIQUE, _COMMANDS)
    for tid, phrases in table.items()
    for phrase in phrases
}

# What an analyst writes as a case's technique (``technique: ransomware``) and a report's prose
# uses too loosely to read as one ("a ransomware group", "RDP was exposed"): read only as the
# whole of a case's value.
CASE_TERMS: dict[str, str] = {
    "ransomware": "T1486",
    "rdp": "T1021.001",
    "drive-by download": "T1189",
    "supply chain attack": "T1195",
    "supply chain compromise": "T1195",
    "keylogger": "T1056.001",
    "c2 over https": "T1071.001",
    "c2 over http": "T1071.001",
    "c2 over dns": "T1071.004",
    # in a report, "netsh interface portproxy show all" only looks (discovery); in a case, it was set up
    "portproxy": "T1090.001",
    "netsh portproxy": "T1090.001",
    "netsh interface portproxy": "T1090.001",
}

# A reboot into safe mode ("rebooted the hosts into Safe Mode with Networking") is how ransomware gets
# past the security tools that do not start there: Impair Defenses: Safe Mode Boot, not a System
# Shutdown/Reboot (T1529). The lexicon reads a reboot's phrase so when "safe mode" follows it.
SAFE_MODE_BOOT = "T1562.009"

# Word stems that say which of the techniques sharing a name is meant, by parent technique:
# "created a new domain account" is Create Account, "enumerated domain accounts" Account Discovery.
CONTEXT_STEMS: dict[str, tuple[str, ...]] = {
    "T1087": ("discover", "enumer", "list", "quer", "identif", "gather", "collect"),
    "T1136": ("creat", "add", "new", "register"),
    "T1078": ("valid", "legitim", "stolen", "logged", "login", "log", "sign"),
    "T1583": ("acquir", "buy", "bought", "purchas", "rent", "lease", "register", "set"),
    "T1584": ("compromis", "hijack", "took", "takeover", "abus", "hack"),
    "T1585": ("establish", "creat", "register", "fake", "persona"),
    "T1586": ("compromis", "hijack", "took", "takeover", "stole"),
    "T1587": ("develop", "built", "build", "wrote", "written", "custom", "creat"),
    "T1588": ("obtain", "acquir", "buy", "bought", "purchas", "download", "stole", "steal"),
    "T1608": ("upload", "stag", "host", "install", "plant", "seed", "place"),
    "T1566": ("sent", "send", "deliver", "email", "mail"),
    "T1598": ("credential", "harvest", "elicit", "information"),
    "T1027": ("hid", "embed", "payload", "image", "file"),
    "T1001": ("c2", "command", "traffic", "communicat", "beacon"),
    "T1590": ("gather", "recon", "enumer", "quer", "collect"),
    "T1071": ("c2", "command", "tunnel", "traffic", "communicat", "beacon"),
    "T1589": ("gather", "recon", "collect", "research", "harvest", "enumer", "identif", "scrap", "search"),
    "T1591": ("gather", "recon", "collect", "research", "identif", "search", "studi"),
    "T1592": ("gather", "recon", "collect", "fingerprint", "enumer", "identif", "scan", "profil"),
    "T1021": (
        "lateral",
        "move",
        "moved",
        "moving",
        "connect",
        "log",
        "remote",
        "session",
        "pivot",
        "reach",
        "hop",
        "over",
        "via",
        "through",
        "enabl",
    ),
    "T1556": ("modif", "disabl", "bypass", "tamper", "patch", "hook", "backdoor", "regist", "enrol"),
    "T1574": (
        "hijack",
        "sideload",
        "side",
        "search",
        "order",
        "plant",
        "proxy",
        "redirect",
        "replac",
    ),
}
# Technique names that are everyday nouns ("IP Addresses", "Email Addresses", "SSH") are read only
# beside a word of their technique's (``CONTEXT_STEMS``): "the following IP addresses were used" is no
# reconnaissance, "searched for SSH keys" no remote session, "the loader DLL" no hijacking
# (ATT&CK 18 calls T1574.001 "DLL"). Reconnaissance: every name of one or two words.
RECON_PARENTS = frozenset(("T1589", "T1590", "T1591", "T1592"))  # every short name a noun
# Resource development too ("Vulnerabilities", "Web Services", "Domains", "Malware", "Exploits"):
# "exploited vulnerabilities in edge devices" is no T1588.006, "registered domains" is T1583.001.
RESOURCE_PARENTS = frozenset(("T1583", "T1584", "T1585", "T1586", "T1587", "T1588", "T1608"))
# ... but for names no report writes of anything else.
DISTINCTIVE_TECHNIQUE_NAMES = frozenset(("malvertising", "seo poisoning"))
EVERYDAY_TECHNIQUE_NAMES = frozenset(  # of T1021, T1574 and T1556
    ("ssh", "vnc", "dll", "cloud services", "multi-factor authentication", "multi factor authentication")
)
# What says a thing passes for another, that a learned phrase of masquerading (T1036) which says only
# that something is legitimate needs beside it: "named to appear as a legitimate service" is T1036.004,
# "exfiltrated to the legitimate service webhook[.]site" is no masquerading at all.
PASSING_FOR = (
    "masquerad", "disguis", "mimic", "appear", "imitat", "pose", "posing", "pretend", "impersonat",
    "spoof", "resembl", "look", "seeming", "name", "renam", "blend", "same", "match",
)  # fmt: skip
# What says a record was erased, that a learned phrase of indicator removal (T1070) which names only
# the records ("Windows event logs", "command history") needs beside it: "cleared the Windows event
# logs" is T1070.001, "we analysed Windows event logs from 41 servers" is the responders' evidence.
ERASING = (
    "clear", "delet", "wip", "eras", "remov", "purg", "truncat", "overwr", "tamper", "modif", "chang",
    "alter", "timestomp", "cleans", "cover", "wevtutil", "destroy",
)  # fmt: skip
RECORDS = frozenset(("log", "logs", "event", "events", "history", "timestamps", "timestamp"))
# The names of an operating system's own programs, which some malware families share ("systemd"):
# read as a family's name only when written as one (capitalised mid-sentence, or a kind after it).
SYSTEM_PROGRAMS = frozenset(
    (
        "systemd", "cron", "crond", "sshd", "init", "kworker", "dbus", "udev", "bash", "python", "perl",
        "java", "node", "svchost", "explorer", "lsass", "winlogon", "spoolsv", "services", "chrome",
        "firefox", "outlook", "teams",
    )
)  # fmt: skip
# ... nor after a word that says the victim lacked it, a weakness and no act of the actors' ("was not
# protected by multi-factor authentication", "without MFA", "no SSH"), in the words just before it.
LACKING = frozenset(
    (
        "not",
        "no",
        "never",
        "without",
        "lacked",
        "lacking",
        "lacks",
        "lack",
        "nor",
        "wasn",
        "weren",
        "isn",
        "hadn",
    )
)
LACKING_WORDS = 3
# ... and never before a word that makes them things of the protocol ("SSH keys", "VNC passwords").
THINGS_OF = frozenset(
    ("key", "keys", "password", "passwords", "credential", "credentials", "config", "file", "files")
)

# How cloud intrusions are written: the control plane's own event and cmdlet names, as CloudTrail,
# the Entra ID audit log and Exchange Online record them ("CloudTrail recorded CreateUser and
# AttachUserPolicy", "set up forwarding with Set-Mailbox -ForwardingSmtpAddress"). Read only as the
# whole word and as written (``API_NAMES``): "CreateUser" is the AWS event, PostgreSQL's
# ``createuser`` is not, "ListUsersInGroup" no "ListUsers".
_API_CALLS: dict[str, tuple[str, ...]] = {
    "T1136.003": ("CreateUser",),  # Create Account: Cloud Account
    "T1098.003": (  # Account Manipulation: Additional Cloud Roles
        "AttachUserPolicy", "AttachRolePolicy", "AttachGroupPolicy", "PutUserPolicy", "PutRolePolicy",
        "PutGroupPolicy", "AddUserToGroup",
    ),
    "T1098.001": ("CreateAccessKey", "CreateLoginProfile", "UpdateLoginProfile"),  # Additional Cloud Credentials
    "T1087.004": ("ListUsers", "ListRoles", "GetAccountAuthorizationDetails"),  # Account Discovery: Cloud Account
    "T1619": ("ListBuckets", "ListObjects", "ListObjectsV2"),  # Cloud Storage Object Discovery
    "T1555.006": ("GetSecretValue", "BatchGetSecretValue"),  # Cloud Secrets Management Stores
    "T1537": ("PutBucketPolicy", "PutBucketAcl"),  # Transfer Data to Cloud Account: shared with another
    "T1564.008": ("New-InboxRule", "Set-InboxRule"),  # Hide Artifacts: Email Hiding Rules
    "T1114.003": ("ForwardingSmtpAddress", "DeliverToMailboxAndForward"),  # Email Forwarding Rule
}  # fmt: skip
API_NAMES: dict[str, str] = {name: tid for tid, names in _API_CALLS.items() for name in names}

# ... and in words, with what the review of six report styles (qa13x) found missed.
_NARRATED: dict[str, tuple[str, ...]] = {
    "T1098.001": ("add service principal credentials", "added credentials to the service principal"),
    "T1537": (  # Transfer Data to Cloud Account
        "bucket in an external account", "bucket in the external account", "bucket in an external aws account",
        "bucket in the external aws account", "bucket in another aws account", "bucket owned by the actor",
        "to an external aws account", "to another aws account",
    ),
    "T1496.001": ("cryptocurrency mining", "mining cryptocurrency", "mine cryptocurrency", "crypto mining"),
    "T1528": (  # Steal Application Access Token: a malicious application the user consents to
        "consent to application", "illicit consent grant", "consent phishing", "malicious oauth application",
        "malicious oauth app", "rogue oauth application",
    ),
    "T1621": ("push fatigue", "push notification bombing"),
    "T1021.001": (  # Remote Desktop Protocol, used: not "RDP was exposed to the internet"
        "used rdp", "uses rdp", "use rdp", "with rdp",
        "rdp sessions", "rdp session", "rdp connections", "rdp connection",
        "rdp logons", "rdp logon", "rdp logins", "rdp login",
    ),
    "T1056.001": (  # Keylogging
        "includes a keylogger", "included a keylogger", "contains a keylogger", "installed a keylogger",
        "deployed a keylogger", "keylogger module", "keylogging module", "keylogger component", "keylogging",
        "record the keyboard", "records the keyboard", "recorded the keyboard", "recording the keyboard",
    ),
    "T1555.003": (  # Credentials from Web Browsers
        *_each(
            ("saved credentials from", "credentials from", "passwords from", "saved passwords from"),
            ("chrome", "edge", "firefox", "browsers", "web browsers", "the browser", "the browsers"),
        ),
    ),
    "T1656": ("called the help desk", "called the it help desk", "called the service desk",
              "called the it service desk", "called the helpdesk", "calling the help desk"),
}  # fmt: skip

# Of those, the phrases said only beside one of these words (a stem): a call to the help desk is
# impersonation where the caller claims to be someone, push notifications a flood of them when
# they were many, "with RDP" a use of it where it moved or connected.
NEEDS_BESIDE: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        ("called the help desk", "called the it help desk", "called the service desk", "called the it service desk",
         "called the helpdesk", "calling the help desk"),
        ("claim", "posing", "posed", "poses", "pretend", "imperson", "passing", "passed", "masquerad"),
    ),
    **dict.fromkeys(("push notification", "push notifications"), (
        "receiv", "repeat", "flood", "bomb", "spam", "dozen", "twenty", "thirty", "multiple", "series", "row",
    )),
    "with rdp": ("lateral", "move", "moved", "moving", "connect", "pivot", "reach", "access", "log", "perform"),
    # RDP sessions the actors had, not the ones the defenders blocked or ended
    **dict.fromkeys(
        ("rdp sessions", "rdp session", "rdp connections", "rdp connection", "rdp logons", "rdp logon",
         "rdp logins", "rdp login"),
        ("observ", "lateral", "moved", "moving", "pivot", "reach", "establish", "opened", "initiat",
         "actor", "attacker", "intruder", "operator", "compromised", "malicious", "suspicious"),
    ),
}  # fmt: skip

PHRASES.update(
    {
        phrase.lower(): tid
        for table in (_NARRATED, _API_CALLS)
        for tid, phrases in table.items()
        for phrase in phrases
    }
)
PHRASES.update(dict.fromkeys(("push notification", "push notifications"), "T1621"))
