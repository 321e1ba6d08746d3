"""Which reaction names are Unicode emoji (announcement reactions accept these or a local custom emoji)."""

from __future__ import annotations

import unicodedata

_JOINERS = {"\u200d", "\ufe0f", "\ufe0e", "\u20e3"}  # zero-width joiner, variation selectors, keycap
_KEYCAP_BASES = set("0123456789#*")
MAX_LENGTH = 32  # the longest sequences (families, tagged flags) stay well below


def _pictographic(char: str) -> bool:
    code = ord(char)
    return (unicodedata.category(char) == "So" or 0x1F1E6 <= code <= 0x1F1FF  # regional indicators (flags)
            or 0x1F3FB <= code <= 0x1F3FF)  # skin tones


def is_unicode_emoji(name: str) -> bool:
    """One emoji as Unicode spells it: pictographs, with skin tones, variation selectors and zero-width
    joiners (families, professions), keycaps (1️⃣) or tag sequences (subdivision flags)."""
    if not name or len(name) > MAX_LENGTH:
        return False
    keycap = "\u20e3" in name
    for char in name:
        tag = 0xE0020 <= ord(char) <= 0xE007F
        if not (_pictographic(char) or char in _JOINERS or tag or (keycap and char in _KEYCAP_BASES)):
            return False
    return any(_pictographic(char) for char in name) or (keycap and name[0] in _KEYCAP_BASES)
