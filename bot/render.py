"""Telegram HTML: escaping, and splitting long replies into messages.

Telegram's HTML parse mode accepts a handful of tags (``b``, ``i``, ``u``,
``s``, ``a href``, ``code``, ``pre``, ``blockquote``, …) and wants every other
``<``, ``>`` and ``&`` escaped. Every piece of user or article text goes
through :func:`esc` (or :func:`link`) before it is put in a reply.

A message holds at most 4,096 characters after the markup is parsed.
:func:`split_html` cuts a longer reply at the last line break that fits, else
at the last sentence end, else at the last space, and closes the tags that are
open at the cut (reopening them in the next message), so every part is valid
HTML on its own. Lengths are counted in UTF-16 code units, as Telegram does,
so an emoji counts for two.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

MAX_MESSAGE = 4096

_TOKEN = re.compile(r"<[^>]*>|&(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z]+);|[\s\S]")
_TAG_NAME = re.compile(r"</?\s*([A-Za-z][\w-]*)")
_SENTENCE_END = frozenset(".!?…。")


def esc(text: object) -> str:
    """``text`` escaped for Telegram HTML (``<``, ``>``, ``&``; quotes too, for attributes)."""
    return html.escape(str(text), quote=True)


def link(url: str, label: str | None = None) -> str:
    """An ``<a href>`` to ``url`` showing ``label`` (the URL itself by default)."""
    return f'<a href="{esc(url)}">{esc(label or url)}</a>'


def visible_length(markup: str) -> int:
    """How long ``markup`` is for Telegram: tags left out, entities as one character."""
    return sum(_units(token) for token in _TOKEN.findall(markup))


def _units(token: str) -> int:
    if token.startswith("<") and token.endswith(">") and len(token) > 1:
        return 0
    char = html.unescape(token) if token.startswith("&") else token
    return len(char.encode("utf-16-le")) // 2


@dataclass
class _Atom:
    raw: str
    units: int
    tag: str | None = None  # the tag name, for tags
    closing: bool = False


def _atoms(markup: str) -> list[_Atom]:
    out: list[_Atom] = []
    for token in _TOKEN.findall(markup):
        units = _units(token)
        if units == 0 and token.startswith("<"):
            match = _TAG_NAME.match(token)
            name = match.group(1).lower() if match else None
            out.append(_Atom(token, 0, name, token.startswith("</")))
        else:
            out.append(_Atom(token, units))
    return out


def split_html(markup: str, limit: int = MAX_MESSAGE) -> list[str]:
    """``markup`` in parts of at most ``limit`` visible characters, cut at natural boundaries.

    Empty parts are dropped, so the result is empty only for blank input.
    """
    if limit < 2:
        raise ValueError("limit must be at least 2")
    atoms = _atoms(markup.strip())
    parts: list[str] = []
    stack: list[_Atom] = []  # open tags at the current position
    start = 0
    while start < len(atoms):
        opening = list(stack)  # tags to reopen at the start of this part
        units = 0
        # the latest cut of each kind: priority -> (units before it, cut index, open tags)
        cuts: dict[int, tuple[int, int, list[_Atom]]] = {}
        index = start
        local = list(stack)
        while index < len(atoms):
            atom = atoms[index]
            if atom.tag is None and units + atom.units > limit:
                break
            units += atom.units
            if atom.tag is not None:
                if atom.closing:
                    for depth in range(len(local) - 1, -1, -1):
                        if local[depth].tag == atom.tag:
                            del local[depth]
                            break
                elif not atom.raw.endswith("/>"):
                    local.append(atom)
            else:
                priority = _boundary(atoms, index)
                if priority and index > start:  # cut before the space or line break
                    cuts[priority] = (units - atom.units, index, list(local))
            index += 1
        if index >= len(atoms):
            cut, closing_stack = len(atoms), local
        else:
            # the best kind of boundary that still fills a quarter of the message
            usable = [c for p, c in sorted(cuts.items(), reverse=True) if c[0] >= limit // 4]
            chosen = usable[0] if usable else (max(cuts.values()) if cuts else None)
            if chosen is not None:
                cut, closing_stack = chosen[1], chosen[2]
            else:  # no boundary at all: cut mid-word
                cut, closing_stack = max(index, start + 1), local
        body = "".join(a.raw for a in opening) + "".join(a.raw for a in atoms[start:cut])
        body += "".join(f"</{a.tag}>" for a in reversed(closing_stack))
        if _strip_markup(body).strip():
            parts.append(body.strip())
        stack = closing_stack
        start = cut
        while start < len(atoms) and atoms[start].tag is None and atoms[start].raw.isspace():
            start += 1
    return parts


def _boundary(atoms: list[_Atom], index: int) -> int:
    """How good a place to cut is right after ``atoms[index]``: 3 line, 2 sentence, 1 word."""
    raw = atoms[index].raw
    if raw == "\n":
        return 3
    if raw.isspace():
        previous = _previous_char(atoms, index)
        return 2 if previous in _SENTENCE_END else 1
    return 0


def _previous_char(atoms: list[_Atom], index: int) -> str:
    for atom in reversed(atoms[:index]):
        if atom.tag is None:
            return html.unescape(atom.raw) if atom.raw.startswith("&") else atom.raw
    return ""


def _strip_markup(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", "", markup))
