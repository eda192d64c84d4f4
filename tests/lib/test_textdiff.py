from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from quartieri.lib.textdiff import DiffPart, diff_changed, word_diff


def test_a_variant_that_cut_and_added_words_shows_both():
    parts = word_diff("Vieni a Isola stasera #quartieri", "Vieni a Isola! #quartieri #milano")
    assert parts == [
        DiffPart("same", "Vieni a "),
        DiffPart("removed", "Isola stasera"),
        DiffPart("added", "Isola!"),
        DiffPart("same", " #quartieri"),
        DiffPart("added", " #milano"),
    ]
    assert diff_changed(parts)


def test_the_same_text_has_nothing_changed():
    parts = word_diff("Baggio\n\nParco delle Cave", "Baggio\n\nParco delle Cave")
    assert parts == [DiffPart("same", "Baggio\n\nParco delle Cave")]
    assert not diff_changed(parts)


@given(st.text(), st.text())
def test_the_parts_give_back_both_texts(before, after):
    parts = word_diff(before, after)
    assert "".join(p.text for p in parts if p.op != "added") == before
    assert "".join(p.text for p in parts if p.op != "removed") == after
