"""Country names to ISO 3166-1 alpha-2 codes, via pycountry (no network)."""

from __future__ import annotations

import difflib
import functools
import json

import pycountry

__all__ = [
    "close_countries",
    "country_code",
    "country_name",
    "misp_country",
    "other_countries",
    "place_names",
]

# Forms that sources use and pycountry's lookup does not know.
_EXTRA = {
    "russia": "RU",
    "iran": "IR",
    "north korea": "KP",
    "south korea": "KR",
    "korea": "KR",
    "people's republic of china": "CN",
    "taiwan": "TW",
    "vietnam": "VN",
    "syria": "SY",
    "palestine": "PS",
    "uk": "GB",
    "us": "US",
    "usa": "US",
    "united states of america": "US",
    "turkey": "TR",
    "laos": "LA",
    "moldova": "MD",
    "bolivia": "BO",
    "venezuela": "VE",
    "tanzania": "TZ",
    "czech republic": "CZ",
    "kosovo": "XK",
    "macedonia": "MK",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "ksa": "SA",
    "uae": "AE",
    "emirates": "AE",
    "holland": "NL",
    "ivory coast": "CI",
    "burma": "MM",
    "swaziland": "SZ",
    "cape verde": "CV",
    "east timor": "TL",
    "vatican": "VA",
    "brunei": "BN",
    "micronesia": "FM",
}


# Names that several countries answer to, the one they are read as first ("Korea" in threat
# reporting is most often the South's victims): the others are named in a warning.
_SHARED_NAMES = {
    "korea": ("KR", "KP"),
    "congo": ("CG", "CD"),
    "virgin islands": ("VG", "VI"),
}


def other_countries(text: str) -> list[str]:
    """The other countries a name that several answer to may mean ("Korea": North Korea's KP)."""
    codes = _SHARED_NAMES.get(" ".join(text.split()).casefold(), ())
    return list(codes[1:])


_SHORT_NAMES = {
    "RU": "Russia",
    "KP": "North Korea",
    "KR": "South Korea",
    "XK": "Kosovo",
    "GB": "United Kingdom",
    "US": "United States",
    "VN": "Vietnam",
}


@functools.lru_cache(maxsize=4096)
def country_code(text: str) -> str | None:
    """The ISO alpha-2 code for a country name or code, or ``None`` if it is not a country."""
    key = text.strip()
    if not key:
        return None
    if key.lower() in _EXTRA:
        return _EXTRA[key.lower()]
    if len(key) == 2 and key.isalpha():
        found = pycountry.countries.get(alpha_2=key.upper())
        return found.alpha_2 if found else None
    candidates = [key]
    if key.endswith(")") and " (" in key:
        # "Iran (Islamic Republic of)" is how MISP writes pycountry's "Iran, Islamic Republic of".
        head, _, tail = key[:-1].partition(" (")
        candidates += [f"{head}, {tail}", head]
    for candidate in candidates:
        if candidate.lower() in _EXTRA:
            return _EXTRA[candidate.lower()]
        try:
            return str(pycountry.countries.lookup(candidate).alpha_2)
        except LookupError:
            continue
    key = key.lower()  # MISP's other names: "Ivory Coast", "Swaziland", "East Timor"
    return None if key in _NOT_ALONE else _misp_names().get(key)


# MISP synonyms that are other things too: a car, "Latin America", an airline, a first name, a
# language, a currency, and the end of "People's Republic of China" (Taiwan's official name).
_NOT_ALONE = frozenset(
    {
        "car", "america", "emirates", "maurice", "moris", "mann", "papiamento", "palestine pound",
        "vuodna),", "republic of china", "roc",
    }
)  # fmt: skip


@functools.cache
def _misp_countries() -> tuple[dict[str, str], dict[str, str]]:
    """MISP's target-information galaxy: its names and synonyms to ISO codes, and each ISO code's
    name there (the name a receiving MISP links a victim tag by)."""
    from unmask.knowledge.misp import default_galaxy_dir

    try:
        data = json.loads((default_galaxy_dir() / "target-information.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}, {}
    names: dict[str, str] = {}
    values: dict[str, str] = {}
    for entry in data.get("values", []):
        meta = entry.get("meta") or {}
        codes = [c for c in meta.get("iso-code", []) if isinstance(c, str) and len(c) == 2]
        if not codes or not isinstance(entry.get("value"), str):
            continue
        found = pycountry.countries.get(alpha_2=codes[0].upper())
        code = str(found.alpha_2) if found else ("XK" if codes[0].upper() == "XK" else None)
        if code is None:
            continue
        values.setdefault(code, entry["value"])
        for name in [entry["value"], *meta.get("synonyms", [])]:
            if isinstance(name, str):
                names.setdefault(name.strip().lower(), code)
    return names, values


def _misp_names() -> dict[str, str]:
    return _misp_countries()[0]


def misp_country(code: str) -> str:
    """The name MISP's target-information galaxy gives the country of an ISO code (else ours)."""
    return _misp_countries()[1].get(code) or country_name(code)


@functools.lru_cache(maxsize=512)
def country_name(code: str) -> str:
    """A short readable name for an ISO alpha-2 code (the code itself if unknown)."""
    if code in _SHORT_NAMES:
        return _SHORT_NAMES[code]
    found = pycountry.countries.get(alpha_2=code)
    if found is None:
        return code
    return str(getattr(found, "common_name", None) or found.name)


def close_countries(text: str, n: int = 3) -> list[str]:
    """Country names spelt like ``text`` ("Ukrain" -> "Ukraine"), for a suggestion."""
    names = sorted({country_name(str(c.alpha_2)) for c in pycountry.countries} | set(_EXTRA))
    by_lower = {name.lower(): name for name in names}
    found = difflib.get_close_matches(text.strip().lower(), list(by_lower), n=n, cutoff=0.8)
    return [by_lower[name] for name in found]


@functools.cache
def place_names() -> frozenset[str]:
    """Lower-case names of countries and of their regions, states and provinces ("cuba",
    "michigan", "saitama"): what a word read after "in" may name instead of a program."""
    names = set(_EXTRA) | {name.lower() for name in _SHORT_NAMES.values()}
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value:
                names.add(str(value).lower())
    names.update(str(region.name).lower() for region in pycountry.subdivisions)
    return frozenset(names)
