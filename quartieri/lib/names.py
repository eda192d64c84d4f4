"""Place names as people write them, from registers that publish them in capitals.

Milan's NIL register writes "BAGGIO - Q.RE DEGLI OLMI - Q.RE VALSESIA" and "CITTA' STUDI";
people write "Baggio - Q.re degli Olmi - Q.re Valsesia" and "Città Studi". Names already in
mixed case are someone's own spelling and stay as they are.
"""

from __future__ import annotations

import re

# Articles and prepositions an Italian name keeps in lower case after its first word.
_PARTICLES = frozenset((
    "a", "al", "alla", "alle", "ai", "agli", "da", "dal", "dalla", "dai", "dagli", "dalle",
    "dei", "degli", "del", "della", "delle", "di", "e", "ed", "in", "il", "la", "le", "lo",
    "nel", "nella", "sul", "sulla", "sui",
))  # fmt: skip
# Written in capitals by everyone: roman numerals and the abbreviations of the register.
_CAPITALS = re.compile(r"^(?:[IVXLCDM]+|QT)$")
# A capital vowel followed by an apostrophe is how capitals-only registers write an accent.
_ACCENTS = {"A": "à", "E": "è", "I": "ì", "O": "ò", "U": "ù"}
# Apostrophes that are elisions, not accents.
_ELISIONS = frozenset({"CA'", "PO'"})


def name_as_written(name: str) -> str:
    """``name`` in the case people write it, if the source gave it in capitals only."""
    if not name.isupper():
        return name
    words = name.split(" ")
    return " ".join(_word(word, first=index == 0) for index, word in enumerate(words))


def _word(word: str, *, first: bool) -> str:
    lowered = word.lower()
    if not first and lowered in _PARTICLES:  # before numerals: "IL" is not 49
        return lowered
    if _CAPITALS.match(word):
        return word
    if word.endswith("'") and word not in _ELISIONS and word[-2:-1] in _ACCENTS:
        lowered = lowered[:-2] + _ACCENTS[word[-2]]
    return lowered[:1].upper() + lowered[1:]
