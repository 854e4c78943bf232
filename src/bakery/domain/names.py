"""Names people type (materials, products, recipes, tokens): one spelling for what looks alike.

Two names that look the same on a screen must be the same name, or a look-alike "Bread" beside
the real one takes its sales. A name is normalised to NFKC (fullwidth letters become plain, a
ligature its letters), its runs of white space become one space, and it is refused when it holds
a character that cannot be seen or that reorders text (control and format characters: zero-width
spaces, joiners, right-to-left overrides) or when it mixes scripts with letters that look like
another script's (a Cyrillic "\u0412" in "\u0412read"). A name wholly in one script, any script, is fine.
"""

from __future__ import annotations

import unicodedata

# Unicode categories of characters that print nothing or change how the rest prints.
_INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
# Tabs and line breaks a person may paste count as spaces.
_TYPED_SPACE = str.maketrans({"\t": " ", "\n": " ", "\r": " "})


class BadName(ValueError):
    """Why a name is refused."""


def clean_name(value: str) -> str:
    """The one spelling of a name, or BadName saying what is wrong with it."""
    normal = unicodedata.normalize("NFKC", value).translate(_TYPED_SPACE)
    hidden = sorted({f"U+{ord(ch):04X}" for ch in normal if unicodedata.category(ch) in _INVISIBLE})
    if hidden:
        raise BadName(f"contains characters that cannot be seen or that reorder text "
                      f"({', '.join(hidden[:3])})")
    cleaned = " ".join(normal.split())
    if not cleaned:
        raise BadName("must not be blank")
    from confusable_homoglyphs import confusables

    if confusables.is_dangerous(cleaned):
        raise BadName("mixes letters of different scripts that look alike (such as a Cyrillic "
                      "letter among Latin ones)")
    return cleaned
