"""Caption files read by webvtt-py's strict reader: what it decides, worded with file and line.

The upload tests (test_media.py) cover the messages a person sees for the common mistakes;
these cover what webvtt-py now decides beyond the old hand-written parser: cue settings,
timestamp fields, NOTE/STYLE/REGION blocks, byte order marks, SubRip's index and comma.
"""

from __future__ import annotations

import pytest
import webvtt
from django.core.exceptions import ValidationError

from quartieri.campaigns.captions import caption_parse, caption_webvtt


def refusal(data: bytes, name: str = "c.vtt") -> str:
    with pytest.raises(ValidationError) as refused:
        caption_parse(data=data, name=name)
    [message] = refused.value.message_dict["caption_file"]
    return message


def test_an_srt_file_is_read_with_its_lines_and_times():
    data = b"1\r\n00:00:01,000 --> 00:00:02,500\r\nCiao\r\n\r\n2\r\n01:00:00,000 --> 01:00:01,250\r\nFine\r\n"
    captions = caption_parse(data=data, name="c.srt")
    assert captions.format == "srt"
    assert [(cue.line, cue.start, cue.end) for cue in captions.cues] == [
        (2, 1.0, 2.5),
        (6, 3600.0, 3601.25),
    ]


def test_note_style_and_region_blocks_are_no_cues():
    data = (
        b"WEBVTT\n\nREGION\nid:fred width:40%\n\nSTYLE\n::cue { color: yellow }\n\n"
        b"NOTE made for Baggio\n\n00:00:00.000 --> 00:00:00.500 region:fred\nCiao\n\nNOTE end\n"
    )
    captions = caption_parse(data=data, name="c.vtt")
    assert [(cue.line, cue.start, cue.end) for cue in captions.cues] == [(11, 0.0, 0.5)]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(b"WEBVTT\n\n00:00:00.000 --> 00:00:00.500 align:middle-ish\nCiao\n", "c.vtt, line 3: “align:middle-ish” is not a WebVTT cue setting (such as align:start, line:0, position:50%) or it is repeated.", id="unknown_value_case"),
        pytest.param(b"WEBVTT\n\nintro\n00:00:00.000 --> 00:00:00.500 line:0 align:start align:end\nCiao\n", "c.vtt, line 4: “align:end” is not a WebVTT cue setting (such as align:start, line:0, position:50%) or it is repeated.", id="repeated_case"),
        pytest.param(b"WEBVTT\n\n00:00:00.000 --> 00:00:00.500 position:200%\nCiao\n", "c.vtt, line 3: “position:200%” is not a WebVTT cue setting", id="out_of_range_case"),
    ],
)  # fmt: skip
def test_a_cue_setting_webvtt_does_not_know_is_named(data, expected):
    assert refusal(data).startswith(expected)


@pytest.mark.parametrize(
    ("data", "timing"),
    [
        pytest.param(b"WEBVTT\n\n0:0:1.0 --> 0:0:2.0\nShort fields\n", "0:0:1.0 --> 0:0:2.0", id="short_fields_case"),
        pytest.param(b"WEBVTT\n\n00:61.000 --> 00:62.000\nMinute 61\n", "00:61.000 --> 00:62.000", id="sixty_one_case"),
        pytest.param(b"WEBVTT\n\n00:00.000 --> 00:01.000\nOne\n00:02.000 --> 00:03.000\nTwo\n", "00:00.000 --> 00:01.000", id="two_cues_one_block_case"),
    ],
)  # fmt: skip
def test_a_timing_the_strict_reader_refuses_is_named_with_its_line(data, timing):
    assert refusal(data) == (
        f"c.vtt, line 3: “{timing}” is not a cue timing such as 00:00:01.000 --> 00:00:04.000."
    )


def test_an_srt_cue_ending_before_it_starts_is_named():
    data = b"1\n00:00:01,000 --> 00:00:02,000\nOk\n\n2\n00:00:05,000 --> 00:00:04,000\nBack\n"
    assert refusal(data, "c.srt") == "c.srt, line 6: the cue ends before it starts."


def test_an_srt_cue_without_text_is_named():
    assert refusal(b"1\n00:00:01,000 --> 00:00:02,000\n", "c.srt") == (
        "c.srt, line 2: the cue has no text."
    )


def test_a_header_must_be_webvtt_followed_by_a_space_or_nothing():
    assert refusal(b"WEBVTTX\n\n00:00.000 --> 00:01.000\nCiao\n").startswith(
        "c.vtt: neither WebVTT"
    )
    assert caption_parse(data=b"WEBVTT\tBaggio\n\n00:00.000 --> 00:01.000\nCiao\n", name="c.vtt")


def test_a_utf16_file_is_refused_as_not_utf8():
    data = "WEBVTT\n\n00:00.000 --> 00:01.000\nCiao\n".encode("utf-16")  # starts with its BOM
    assert refusal(data) == "c.vtt: not UTF-8 text."


def test_one_utf8_bom_is_read_and_a_second_one_is_not_a_header():
    cue = b"\n\n00:00.000 --> 00:01.000\nCiao\n"
    assert caption_parse(data=b"\xef\xbb\xbfWEBVTT" + cue, name="c.vtt").format == "vtt"
    assert refusal(b"\xef\xbb\xbf\xef\xbb\xbfWEBVTT" + cue).startswith("c.vtt: neither WebVTT")


# --- WebVTT for the preview's <track> (browsers read no SRT) --------------------------------
SRT_CUES = (
    "1\r\n00:00:00,000 --> 00:00:01,500\r\nParco delle Cave\r\n\r\n"
    "2\r\n00:00:01,500 --> 00:01:02,040\r\n<i>Baggio</i>, a < b\r\nseconda riga\r\n\r\n"
    "3\r\n01:00:00,000 --> 01:00:00,001\r\nFine --> ora\r\n"
)


def cues(vtt: str) -> list[tuple[str, str, list[str]]]:
    read = webvtt.from_string(vtt, strict=True)
    return [(cue.start, cue.end, cue.lines) for cue in read.captions]


def test_an_srt_file_becomes_webvtt_with_the_same_cues_in_order():
    vtt = caption_webvtt(data=("\ufeff" + SRT_CUES).encode(), caption_format="srt")
    assert vtt.startswith("WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nParco delle Cave\n")
    assert "," not in vtt.replace("<i>Baggio</i>,", "")  # no SubRip comma left in a time
    assert cues(vtt) == [
        ("00:00:00.000", "00:00:01.500", ["Parco delle Cave"]),
        # SubRip's tags stay (WebVTT has <i>); a lone "<" would open a tag and hide the text
        ("00:00:01.500", "00:01:02.040", ["<i>Baggio</i>, a &lt; b", "seconda riga"]),
        ("01:00:00.000", "01:00:00.001", ["Fine --&gt; ora"]),
    ]
    # what the upload's strict reader takes as WebVTT, with the SRT's three cues
    assert len(caption_parse(data=vtt.encode(), name="c.vtt").cues) == 3


def test_a_webvtt_file_is_given_as_stored():
    data = b"WEBVTT Baggio\r\n\r\nintro\r\n00:00.000 --> 00:01.000 align:start\r\nCiao\r\n"
    assert caption_webvtt(data=data, caption_format="vtt") == (
        "WEBVTT Baggio\n\nintro\n00:00.000 --> 00:01.000 align:start\nCiao\n"
    )
