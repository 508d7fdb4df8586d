"""Entity keys: one key for every way of writing the same person, place or side.

* People are keyed by surname, folded to Latin letters: "Ivan Gorsky",
  "Gorsky", "Gorskyy" and "Горский" share ``person:gorsky``; "Anna Berg" and
  "Берг" share ``person:berg``.
* Countries, their capitals, demonyms, native names and seats of government
  are one *side* in a political context: "Moscow", "the Kremlin", "Russian"
  and "Россия" are all ``side:ru``. The table comes from the countryinfo
  package (every country), plus the few seats of government that stand for
  their country in news writing.
* Anything else is keyed by its folded name.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Seats of government and other metonyms that news writing uses for a country.
_METONYMS = {
    "kremlin": "ru", "кремль": "ru", "white house": "us", "pentagon": "us",
    "state department": "us", "capitol hill": "us", "downing street": "gb",
    "whitehall": "gb", "elysee": "fr", "élysée": "fr", "bankova": "ua",
    "zhongnanhai": "cn", "knesset": "il", "bundestag": "de", "kanzleramt": "de",
    "белый дом": "us", "госдеп": "us", "госдепартамент": "us", "пентагон": "us",
    "даунинг-стрит": "gb", "банковая": "ua", "верховная рада": "ua", "рада": "ua",
    "госдума": "ru", "минобороны россии": "ru", "мид россии": "ru",
    "washington": "us", "u.s.": "us", "us": "us", "usa": "us", "america": "us", "american": "us",
    "uk": "gb", "britain": "gb", "british": "gb", "сша": "us", "америка": "us",
    "американский": "us", "великобритания": "gb", "британия": "gb", "британский": "gb",
    "eu": "eu", "european union": "eu", "ес": "eu", "евросоюз": "eu",
}  # fmt: skip

_TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ",
        ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o",
         "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e",
         "yu", "ya", "i", "yi", "ye", "g"],
        strict=True,
    )
)  # fmt: skip


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower-case Latin letters only: accents dropped, Cyrillic transliterated."""
    text = text.lower().replace("’", "'")
    text = "".join(_TRANSLIT.get(ch, ch) for ch in text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


@lru_cache(maxsize=65536)
def surname_key(name: str) -> str:
    """A spelling-tolerant key for a person's surname (the last word of the name)."""
    words = fold(re.sub(r"['’]s$", "", name.strip())).split()
    if not words:
        return ""
    last = words[-1]
    # Slavic endings spelled many ways: -skiy, -skii, -skyy, -skyi, -sky
    last = re.sub(r"(sk|tsk|zk)(iy|ii|yy|yi|y|ij|oi|oy)$", r"\1y", last)
    last = re.sub(r"(iy|yy|ij)$", "y", last)
    last = re.sub(r"(.)\1+", r"\1", last)  # doubled letters: -skyy, Mann/Man
    last = last.replace("kh", "h").replace("j", "y").replace("w", "v")
    return last


def _translated_country_names() -> list[tuple[str, str]]:
    """Russian and Ukrainian country names, from the ISO 3166 catalogues pycountry ships."""
    import gettext

    import pycountry

    out = []
    for language in ("ru", "uk"):
        try:
            catalogue = gettext.translation(
                "iso3166-1", pycountry.LOCALES_DIR, languages=[language]
            )
        except OSError:
            continue
        for country in pycountry.countries:
            for name in {country.name, getattr(country, "common_name", country.name)}:
                translated = catalogue.gettext(name)
                if translated != name:
                    out.append((translated, country.alpha_2.lower()))
    return out


@lru_cache(maxsize=1)
def _sides() -> dict[str, str]:
    """Folded name → ISO country code, for every country's names, capital and demonym."""
    from countryinfo import all_countries

    table: dict[str, str] = {}
    for country in all_countries():
        info = country.info()
        code = (info.get("ISO") or {}).get("alpha2", "").lower()
        if not code:
            continue
        capital = info.get("capital")
        names = [info.get("name"), info.get("demonym"), info.get("nativeName")]
        names += capital if isinstance(capital, list) else [capital]
        names += [s for s in info.get("altSpellings") or [] if len(s) > 2 or s.isupper()]
        for item in names:
            if not isinstance(item, str):  # a few countries list several capitals
                continue
            key = fold(item)
            if key and key not in table:
                table[key] = code
    for name, code in _translated_country_names():
        table.setdefault(fold(name), code)
    for name, code in _METONYMS.items():
        table[fold(name)] = code
    # capitals also written the old way
    table.setdefault("kiev", "ua")
    return table


def side_of(name: str) -> str | None:
    """The ISO code of the country ``name`` stands for, or None.

    Understands "Russia's", "Moscow", "the Kremlin", "Ukrainian", "Kyiv",
    "Россия", "российский", and every other country's names, capital and
    demonym.
    """
    text = re.sub(r"['’]s$", "", name.strip())
    text = re.sub(r"^(the)\s+", "", text, flags=re.IGNORECASE)
    key = fold(text)
    table = _sides()
    if key in table:
        return table[key]
    # Russian and Ukrainian adjectives: российский → росси…, украинский → украин…
    match = re.match(r"^(.{4,}?)(sk|tsk)(iy|ii|yy|ij|a|aya|oe|ogo|oy|ikh|uyu|im|ie|ye)$", key)
    if match:
        stem = match.group(1)
        for candidate, code in table.items():
            if candidate.startswith(stem[:5]) and len(candidate) <= len(stem) + 4:
                return code
    return None


def entity_key(name: str, label: str) -> str:
    """The key that all spellings of the entity ``name`` (of type ``label``) share."""
    if label == "PERSON":
        surname = surname_key(name)
        return f"person:{surname}" if surname else ""
    if label in ("GPE", "NORP", "ORG", "LOC"):
        side = side_of(name)
        if side:
            return f"side:{side}"
    folded = fold(re.sub(r"['’]s$", "", name))
    return f"{label.lower()}:{folded}" if folded else ""


@lru_cache(maxsize=256)
def _names_by_side() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, code in _sides().items():
        out.setdefault(code, []).append(name)
    return out


def side_names(code: str) -> list[str]:
    """The names that stand for country ``code`` (folded): "ru" → russia, moscow, kremlin…"""
    return _names_by_side().get(code, [])[:16]
