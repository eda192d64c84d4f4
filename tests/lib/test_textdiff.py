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


def test_a_part_is_cut_at_its_line_breaks_for_marking_them():
    parts = word_diff("Baggio Parco", "Baggio\nParco")
    assert parts == [
        DiffPart("same", "Baggio"),
        DiffPart("removed", " "),
        DiffPart("added", "\n"),
        DiffPart("same", "Parco"),
    ]
    assert parts[2].segments == [("\n", True)]
    assert DiffPart("added", "fine.\n\nOra ").segments == [
        ("fine.", False),
        ("\n", True),
        ("\n", True),
        ("Ora ", False),
    ]


@given(st.text(alphabet="ab \n"))
def test_the_segments_give_back_the_text(text):
    segments = DiffPart("added", text).segments
    assert "".join(piece for piece, _ in segments) == text
    assert all(line_break == (piece == "\n") for piece, line_break in segments)
