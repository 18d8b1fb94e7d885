"""The normaliser: markdown, HTML, wire copy and plain text to clean text, with offsets back into the original.

Pure Python (no spaCy). The property tests feed random fragments of markup and check that nothing raises, every
offset lands inside the original, spans keep their order, and copied text maps back to itself.
"""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.extract.normalise import Markup, detect_markup, normalise


def _orig(n, needle):
    """The original text behind the first occurrence of ``needle`` in the clean text."""
    i = n.text.index(needle)
    a, z = n.span(i, i + len(needle))
    return n.original[a:z]


# ---- markdown ---------------------------------------------------------------------------------------------------

MD = """# Introducing Zephyr 2 from Orbis Lab

We release **Zephyr 2**, a [7B model](https://example.org/zephyr-2-7b) trained by
Orbis Lab. See ![diagram](/img/arch.png) below.

```python
model = load("zephyr-2-7b")   # Not A Name
```

| Model | Parameters |
|-------|-----------:|
| Zephyr 2 | 7B |

- **Model size:** 7B total, 1B active
- Licence: Apache 2.0 <img src="x.png" alt="Fake Corp">
"""


def test_markdown_drops_syntax_and_keeps_text():
    n = normalise(MD, Markup.markdown)
    assert n.markup is Markup.markdown
    assert "Introducing Zephyr 2 from Orbis Lab" in n.text
    assert "#" not in n.text and "**" not in n.text and "](" not in n.text
    assert "https://" not in n.text and "arch.png" not in n.text and "diagram" not in n.text
    assert "Not A Name" not in n.text and "load(" not in n.text  # code blocks go
    assert "|---" not in n.text and "Fake Corp" not in n.text  # table rules and image attributes go
    assert "a 7B model trained by Orbis Lab." in n.text  # link text kept, soft wrap joined
    assert "Zephyr 2; 7B" in n.text  # table cells read as text
    assert "Model size: 7B total, 1B active" in n.text.split("\n")  # a list item is a line; bold read as text
    assert "See below." in n.text  # a dropped image leaves no double space


def test_markdown_offsets_point_into_the_original():
    n = normalise(MD, Markup.markdown)
    for needle in ("Zephyr 2", "Orbis Lab", "7B model", "Model size", "1B active"):
        assert _orig(n, needle) == needle
    heading = n.text.index("Introducing")
    assert "heading" in n.region_at(heading)
    assert "link" in n.region_at(n.text.index("7B model"))
    assert "bold" in n.region_at(n.text.index("Zephyr 2,"))
    assert "table" in n.region_at(n.text.index("Zephyr 2; 7B"))


def test_html_entities_and_tags():
    n = normalise("<p>AT&amp;T said&nbsp;it bought <b>Acme&#8288;Corp</b>.</p><script>var X = 1;</script>", "html")
    assert n.text.strip() == "AT&T said it bought AcmeCorp."
    assert _orig(n, "AT&T") == "AT&amp;T"
    assert "bold" in n.region_at(n.text.index("Acme"))


def test_html_blocks_break_lines_and_cells():
    n = normalise("<h2>Results</h2><table><tr><td>Alpha</td><td>7B</td></tr></table><p>Next</p>", "html")
    lines = n.text.split("\n")
    assert "Results" in lines and "Alpha; 7B" in lines and "Next" in lines


# ---- wire copy ----------------------------------------------------------------------------------------------------

WIRE = """ACME INDUSTRIES <ACMI> TO BUY BOLT UNIT

    NEW YORK, March 3 - Acme Industries Inc
<ACMI> said it agreed to buy the Bolt unit of
<Carver Holdings Ltd> for 12 mln dlrs.
    Acme said the sale should close in April.
"""


def test_wire_tickers_wraps_and_headline():
    n = normalise(WIRE, "wire")
    assert "<" not in n.text
    assert "Acme Industries Inc said it agreed to buy the Bolt unit of Carver Holdings Ltd for 12 mln dlrs." in n.text
    first = n.text.split("\n")[0]
    assert first.startswith("Acme Industries To buy Bolt unit") or first.lower() == "acme industries to buy bolt unit"
    assert "headline" in n.region_at(0)
    assert _orig(n, "Carver Holdings Ltd") == "Carver Holdings Ltd"
    a, z = n.span(0, len("Acme Industries"))
    assert n.original[a:z] == "ACME INDUSTRIES"  # re-cased, same characters


def test_wire_recasing_uses_english_words():
    words = {"buy", "unit", "to"}
    n = normalise("ACME TO BUY ZORBLAX UNIT\n\nAcme said so.", "wire", is_word=lambda w: w in words)
    assert n.text.split("\n")[0] == "Acme to buy Zorblax unit"


# ---- text and detection -------------------------------------------------------------------------------------------


def test_plain_text_crlf_and_controls():
    raw = "Orbis Lab\r\nsaid\x07 it\u200b raised\tfunds."
    n = normalise(raw, "text")
    assert n.text == "Orbis Lab\nsaid it raised funds."
    assert _orig(n, "raised") == "raised"
    assert _orig(n, "Orbis Lab") == "Orbis Lab"


@pytest.mark.parametrize(("text", "kind"), [
    ("# Title\n\nSee [x](http://y.z) and **bold**.", Markup.markdown),
    ("Intro\n\n```\ncode\n```\n\n## Heading", Markup.markdown),
    ("<html><body><p>Hi</p></body></html>", Markup.html),
    ("ACME BUYS BOLT\n\nAcme Corp said it bought Bolt.", Markup.wire),
    ("Acme <ACM.N> said it bought Bolt.", Markup.wire),
    ("Acme said it bought Bolt. The deal closed.", Markup.text),
])
def test_detect_markup(text, kind):
    assert detect_markup(text) is kind


# ---- properties ---------------------------------------------------------------------------------------------------

FRAGMENTS = ["# ", "## ", "**", "*", "_", "__", "`", "```", "\n", "\n\n", "[", "]", "(", ")", "![", "](", "http://x.y/z",
             "<", ">", "</", "<b>", "</b>", "<p>", "<br>", "<img src='a'>", "<!--", "-->", "&amp;", "&#8288;",
             "&bogus;",
             "|", "|---|", "- ", "1. ", "> ", "{%", "%}", "{{", "}}", "    ", "\t", "\r\n", "\x00", "\x1b", "\u200b",
             "<TICK>", "ACME CORP", "Orbis Lab", "7B", "said", " ", ".", "é", "中文", "\ufeff"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(string.printable, max_size=6)), max_size=40),
       st.sampled_from(list(Markup)))
def test_random_markup_never_breaks_offsets(parts, markup):
    raw = "".join(parts)
    n = normalise(raw, markup)
    assert isinstance(n.text, str)
    prev = 0
    for i in range(len(n.text)):
        o = n.to_original(i)
        assert 0 <= o <= len(raw)
        assert o >= prev  # the map never runs backwards
        prev = o
    for i in range(0, len(n.text), 3):
        for j in (i + 1, i + 4, len(n.text)):
            if j <= len(n.text) and j > i:
                a, z = n.span(i, j)
                assert 0 <= a <= z <= len(raw)
    for a, z, _ in n.regions:
        assert 0 <= a <= z <= len(n.text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=string.ascii_letters + " ,.", min_size=1, max_size=80))
def test_plain_words_map_back_to_themselves(words):
    for markup in (Markup.text, Markup.markdown, Markup.html):
        n = normalise(words, markup)
        for m in __import__("re").finditer(r"[A-Za-z]+", n.text):
            a, z = n.span(m.start(), m.end())
            assert n.original[a:z] == m.group()
