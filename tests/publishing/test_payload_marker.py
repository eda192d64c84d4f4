"""Where the outbox puts its marker: inside what the platform's listing returns whole
(issue 21, point 1a; docs/publishing.md, *Listings*)."""

from __future__ import annotations

from quartieri.publishing import payload

MARKER = "https://quartieri.example/p/12-abcdef"
LONG = ("Baggio " + "tra cave e cascine, " * 10).strip()  # 206 characters on one line


def test_a_short_caption_keeps_its_marker_last():
    assert payload.place_marker("Festa a Baggio", MARKER, window=150) == f"Festa a Baggio\n{MARKER}"


def test_a_long_caption_gets_its_marker_after_its_first_line():
    text = f"Festa a Baggio\n{LONG}"
    placed = payload.place_marker(text, MARKER, window=150)
    assert placed == f"Festa a Baggio\n{MARKER}\n{LONG}"


def test_a_long_first_line_puts_the_marker_first():
    placed = payload.place_marker(LONG, MARKER, window=150)
    assert placed == f"{MARKER}\n{LONG}"


def test_the_window_is_counted_in_utf16_units():
    # 56 emoji are 112 UTF-16 units: with a newline and the marker (37) the line is 150
    # units. 57 emoji make 152 units, though only 95 characters: the marker goes first.
    fits, over = "🌳" * 56, "🌳" * 57
    assert payload.place_marker(f"{fits}\n{LONG}", MARKER, window=150).startswith(
        f"{fits}\n{MARKER}\n"
    )
    assert payload.place_marker(f"{over}\n{LONG}", MARKER, window=150).startswith(MARKER)


def test_a_listing_that_returns_everything_keeps_the_marker_last():
    assert payload.place_marker(LONG, MARKER, window=None) == f"{LONG}\n{MARKER}"
