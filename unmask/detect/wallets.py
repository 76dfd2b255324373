"""Cryptocurrency addresses: Bitcoin, Ethereum and Monero, checked as their wallets check them.

A ransom note's or a miner's address is an indicator of its own kind (``btc``, ``eth``, ``xmr``):
what the actor is paid to, the same in every intrusion it extorts.  Each is checked by the
checksum its form carries, so that a word or a hash of the right length and letters is not taken:

- Bitcoin: base58 with a version byte and a 4-byte double SHA-256 checksum (``1…`` P2PKH and
  ``3…`` P2SH), or bech32 / bech32m with the ``bc`` prefix (BIP 173 and 350: ``bc1q…`` SegWit,
  ``bc1p…`` Taproot); bech32 is kept in lower case, base58 as written (its case is the value);
- Ethereum: ``0x`` and 40 hex digits; written in mixed case, its EIP-55 capitals must check
  (Keccak-256); kept in lower case.  Forty hex digits are also a SHA-1: the extractor reads an
  Ethereum address only beside a word about money or wallets;
- Monero: 95 characters of Monero's base58 from ``4`` (a primary address) or ``8`` (a
  subaddress), with a 4-byte Keccak-256 checksum.
"""

from __future__ import annotations

import hashlib
import re

__all__ = ["WALLET_KINDS", "find_wallets", "keccak256", "wallet_address", "wallet_kind"]

WALLET_KINDS = ("btc", "eth", "xmr")

_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BASE58_VALUES = {c: i for i, c in enumerate(_BASE58)}
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_VALUES = {c: i for i, c in enumerate(_BECH32)}
_BECH32_CONSTANT, _BECH32M_CONSTANT = 1, 0x2BC830A3
_P2PKH, _P2SH = 0x00, 0x05
_MONERO_NETWORKS = {18: "4", 42: "8"}  # a primary address, a subaddress (main network)

# Where an address may be: a run of its alphabet not inside a longer word. Possessive: a long run of
# letters is passed over once.
_CANDIDATE = re.compile(
    r"(?<![A-Za-z0-9])(?:"
    r"[13][1-9A-HJ-NP-Za-km-z]{25,34}+"
    r"|bc1[02-9ac-hj-np-z]{8,87}+|BC1[02-9AC-HJ-NP-Z]{8,87}+"
    r"|[48][1-9A-HJ-NP-Za-km-z]{94}+"
    r"|0[xX][0-9a-fA-F]{40}+"
    r")(?![A-Za-z0-9])"
)


def _base58_number(text: str) -> int | None:
    number = 0
    for char in text:
        value = _BASE58_VALUES.get(char)
        if value is None:
            return None
        number = number * 58 + value
    return number


def _base58check(text: str) -> bytes | None:
    """The payload of a Bitcoin base58check string (version byte first), or None when its checksum
    fails."""
    number = _base58_number(text)
    if number is None:
        return None
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    raw = b"\0" * (len(text) - len(text.lstrip("1"))) + body  # each leading "1" is a zero byte
    if len(raw) < 5:
        return None
    payload, checksum = raw[:-4], raw[-4:]
    if hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4] != checksum:
        return None
    return payload


def _bech32_polymod(values: list[int]) -> int:
    generators = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    check = 1
    for value in values:
        top = check >> 25
        check = (check & 0x1FFFFFF) << 5 ^ value
        for i, generator in enumerate(generators):
            if (top >> i) & 1:
                check ^= generator
    return check


def _segwit(text: str) -> str | None:
    """A bech32 (witness version 0) or bech32m (versions 1 to 16) Bitcoin address in lower case, or
    None when it is none (BIP 173, BIP 350)."""
    if text.lower() != text and text.upper() != text:
        return None  # mixed case is no bech32
    lowered = text.lower()
    hrp, _, data = lowered.rpartition("1")
    if hrp != "bc" or len(data) < 8 or len(lowered) > 90:
        return None
    values = [_BECH32_VALUES[c] for c in data if c in _BECH32_VALUES]
    if len(values) != len(data):
        return None
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    constant = _bech32_polymod(expanded + values)
    version = values[0]
    if constant != (_BECH32_CONSTANT if version == 0 else _BECH32M_CONSTANT) or version > 16:
        return None
    # the witness program: 5-bit groups to bytes, no more than 4 bits of zero padding
    accumulated, bits, program = 0, 0, []
    for value in values[1:-6]:
        accumulated = (accumulated << 5) | value
        bits += 5
        while bits >= 8:
            bits -= 8
            program.append((accumulated >> bits) & 0xFF)
    if bits >= 5 or (accumulated << (8 - bits)) & 0xFF:
        return None
    if not 2 <= len(program) <= 40 or (version == 0 and len(program) not in (20, 32)):
        return None
    return lowered


def _bitcoin(text: str) -> str | None:
    if text[:3].lower() == "bc1":
        return _segwit(text)
    if text[:1] not in "13" or not 26 <= len(text) <= 35:
        return None
    payload = _base58check(text)
    if payload is None or len(payload) != 21 or payload[0] not in (_P2PKH, _P2SH):
        return None
    return text


def keccak256(data: bytes) -> bytes:
    """Keccak-256 of ``data``: the digest Ethereum's checksums and Monero's addresses use (the
    original padding, not SHA3-256's; pycryptodome's)."""
    from Crypto.Hash import keccak

    return keccak.new(digest_bits=256, data=data).digest()


def _ethereum(text: str) -> str | None:
    if not re.fullmatch(r"0[xX][0-9a-fA-F]{40}", text):
        return None
    digits = text[2:]
    if digits.lower() != digits and digits.upper() != digits:  # EIP-55: its capitals are a checksum
        check = keccak256(digits.lower().encode()).hex()[:40]
        for char, nibble in zip(digits, check, strict=True):
            if char.isalpha() and char.isupper() != (int(nibble, 16) >= 8):
                return None
    return "0x" + digits.lower()


# Monero's base58 reads blocks of 11 characters as 8 bytes; a shorter last block as fewer.
_MONERO_BLOCK = {0: 0, 2: 1, 3: 2, 5: 3, 6: 4, 7: 5, 9: 6, 10: 7, 11: 8}


def _monero(text: str) -> str | None:
    if len(text) != 95 or text[:1] not in "48":
        return None
    raw = b""
    for start in range(0, len(text), 11):
        block = text[start : start + 11]
        number = _base58_number(block)
        size = _MONERO_BLOCK.get(len(block))
        if number is None or size is None or number >= 1 << (8 * size):
            return None
        raw += number.to_bytes(size, "big")
    body, checksum = raw[:-4], raw[-4:]
    if _MONERO_NETWORKS.get(body[0]) != text[0] or keccak256(body)[:4] != checksum:
        return None
    return text


_CHECKS = {"btc": _bitcoin, "eth": _ethereum, "xmr": _monero}


def wallet_address(kind: str, text: str) -> str | None:
    """The canonical form of a ``kind`` (btc, eth, xmr) address, or None when ``text`` is none."""
    check = _CHECKS.get(kind)
    return check(text.strip()) if check is not None else None


def wallet_kind(text: str) -> str | None:
    """Which cryptocurrency's address ``text`` is (btc, eth or xmr), or None."""
    return next((kind for kind in WALLET_KINDS if wallet_address(kind, text) is not None), None)


def find_wallets(text: str) -> list[tuple[str, str, int]]:
    """(kind, address as written, offset) of every address in ``text`` whose checksum holds."""
    found = []
    for match in _CANDIDATE.finditer(text):
        kind = wallet_kind(match.group(0))
        if kind is not None:
            found.append((kind, match.group(0), match.start()))
    return found
