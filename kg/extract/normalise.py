"""Normalisation: text as people have it (markdown, HTML, wire copy, CRLF, stray controls) -> clean text + offset map.

This is the first stage of extraction (normalise -> recognise -> candidates -> decide -> assemble). It is pure
Python and never imports spaCy. :func:`normalise` returns a :class:`Normalised` whose ``text`` is what the
pipeline reads; :meth:`Normalised.span` maps any ``[start, end)`` of the clean text back to the original, so that
``original[start:end]`` is the mention (case aside: wire headlines are re-cased, same length).

What each markup becomes (decisions, see ``kg/extract/README.md``):

- **markdown**: fenced code blocks, HTML comments, ``<script>``/``<style>``, images (``![alt](src)``, ``<img>``),
  link targets, bare URLs, reference definitions, footnote marks, Liquid/Jinja tags (``{% %}``, ``{{ }}``),
  horizontal and table rules are dropped; link text, emphasis, inline code and table cells are kept as text.
  Heading markers, list markers and quote markers go; a heading, a list item and a table row each stay one line
  (so one sentence at least); the cells of a row are separated by ``;``. Soft-wrapped paragraph lines are joined.
- **html**: tags are dropped (block tags break lines, cells become ``;``), entities decoded, ``<script>``,
  ``<style>``, ``<pre>`` and comments dropped, runs of white space folded.
- **wire** (newswire: capital headlines, ``<TICKER>`` codes, hard-wrapped lines): ticker codes in angle brackets
  are dropped and bracketed names keep their words; a line broken inside a paragraph is joined to the next (an
  indented line starts a paragraph); a headline in capitals is re-cased word by word, from the casing the body
  uses, else lower case for ordinary English words (``is_word``), else title case, short codes kept.
- **text**: only CRLF, controls, zero-width characters and a byte order mark.

``regions`` lists ``(start, end, kind)`` of the clean text for ``heading``, ``link``, ``bold``, ``table``,
``code`` (inline code) and ``headline``: the later stages read them as features ("in a heading") and never as names.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum


class Markup(StrEnum):
    """How a text is written. ``auto`` decides from the content (:func:`detect_markup`)."""

    auto = "auto"
    text = "text"
    markdown = "markdown"
    html = "html"
    wire = "wire"


#: File suffixes that say which markup a file holds (anything else is decided by content).
SUFFIX_MARKUP = {".md": Markup.markdown, ".markdown": Markup.markdown, ".html": Markup.html, ".htm": Markup.html}


@dataclass(frozen=True)
class Normalised:
    """Clean text for the pipeline and the map back to the original.

    The map is a list of segments ``(clean_start, clean_len, orig_start, orig_len)`` sorted by ``clean_start``:
    equal lengths map character by character; a replacement ("&amp;" -> "&") maps all its characters to the
    start of its original range and its end to the end of that range; inserted characters (a line break that
    replaces a tag) have ``orig_len == 0``.
    """

    text: str
    original: str
    markup: Markup
    segments: tuple[tuple[int, int, int, int], ...]
    regions: tuple[tuple[int, int, str], ...] = ()
    _starts: tuple[int, ...] = field(default=(), repr=False, compare=False)

    def _segment(self, i: int) -> tuple[int, int, int, int] | None:
        if not self.segments:
            return None
        k = bisect_right(self._starts, i) - 1
        return self.segments[max(k, 0)]

    def to_original(self, i: int) -> int:
        """Original offset of clean character ``i`` (clamped into the original)."""
        seg = self._segment(i)
        if seg is None:
            return 0
        cs, cl, os_, ol = seg
        pos = os_ + (i - cs) if cl == ol else os_
        return min(max(pos, 0), len(self.original))

    def to_original_end(self, j: int) -> int:
        """Original offset just after clean character ``j - 1`` (the end of a span that ends at ``j``)."""
        if j <= 0:
            return self.to_original(0)
        seg = self._segment(j - 1)
        if seg is None:
            return 0
        cs, cl, os_, ol = seg
        pos = os_ + (j - cs) if cl == ol else os_ + ol
        return min(max(pos, 0), len(self.original))

    def span(self, start: int, end: int) -> tuple[int, int]:
        """``[start, end)`` of the clean text as ``[start, end)`` of the original (``start <= end``, in range)."""
        a = self.to_original(start)
        b = self.to_original_end(end) if end > start else a
        return (a, max(a, b))

    def region_at(self, i: int) -> set[str]:
        """Kinds of the regions that contain clean offset ``i``."""
        return {k for a, b, k in self.regions if a <= i < b}

    def piece(self, start: int, end: int) -> Normalised:
        """Clean ``[start, end)`` as a text of its own whose map still points into the whole original: a piece of a
        long text is read alone and its evidence lands where it stands in the original.

        >>> n = normalise("Intro.\\n\\nSee [Acme Labs](https://x.org) now.", "markdown")
        >>> p = n.piece(n.text.index("See"), len(n.text))
        >>> p.text
        'See Acme Labs now.'
        >>> a, z = p.span(4, 13)
        >>> p.original[a:z]
        'Acme Labs'
        """
        start, end = max(0, start), min(len(self.text), end)
        first = max(bisect_right(self._starts, start) - 1, 0)
        segs = tuple((cs - start, cl, os_, ol) for cs, cl, os_, ol in self.segments[first:] if cs < end)
        regions = tuple((max(a, start) - start, min(b, end) - start, k) for a, b, k in self.regions
                        if a < end and b > start)
        return Normalised(self.text[start:end], self.original, self.markup, segs, regions,
                          tuple(s[0] for s in segs))


class _Builder:
    """Collects clean text and its segments while the original is scanned left to right."""

    def __init__(self, original: str) -> None:
        self.original = original
        self.parts: list[str] = []
        self.segments: list[list[int]] = []
        self.regions: list[tuple[int, int, str]] = []
        self.n = 0

    def _add(self, s: str, orig_start: int, orig_len: int) -> None:
        if not s:
            return
        linear = len(s) == orig_len
        last = self.segments[-1] if self.segments else None
        if linear and last is not None and last[1] == last[3] and last[0] + last[1] == self.n \
                and last[2] + last[3] == orig_start:
            last[1] += len(s)
            last[3] += len(s)
        else:
            self.segments.append([self.n, len(s), orig_start, orig_len])
        self.parts.append(s)
        self.n += len(s)

    def copy(self, a: int, b: int, text: str | None = None) -> None:
        """Original ``[a, b)`` as it is (or as ``text``, which must have the same length)."""
        if b > a:
            self._add(self.original[a:b] if text is None else text, a, b - a)

    def replace(self, a: int, b: int, s: str) -> None:
        """``s`` stands for original ``[a, b)``."""
        self._add(s, a, b - a)

    def put(self, s: str, at: int) -> None:
        """Insert ``s``, which has no original counterpart, at original position ``at``."""
        self._add(s, at, 0)

    def ends_with(self, s: str) -> bool:
        return bool(self.parts) and "".join(self.parts[-3:]).endswith(s)

    def newline(self, at: int) -> None:
        """A line break unless the clean text already ends with one (or is empty)."""
        if self.n and not self.ends_with("\n"):
            self.put("\n", at)

    def space(self, at: int) -> None:
        if self.n and not (self.ends_with(" ") or self.ends_with("\n")):
            self.put(" ", at)

    def region(self, start: int, kind: str) -> None:
        if self.n > start:
            self.regions.append((start, self.n, kind))

    def build(self, markup: Markup) -> Normalised:
        segs = tuple(tuple(s) for s in self.segments)
        return Normalised("".join(self.parts), self.original, markup, segs,  # type: ignore[arg-type]
                          tuple(sorted(self.regions)), tuple(s[0] for s in segs))


# ---- characters ------------------------------------------------------------------------------------------------

_DROP_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200d\u2060\ufeff\u00ad]")
_SPACE_CHARS = re.compile(r"[\t\u00a0\u2000-\u200a\u202f\u205f\u3000]")


def _copy_clean(b: _Builder, a: int, z: int) -> None:
    """Copy original ``[a, z)``: CR dropped (CRLF -> LF), controls and zero-width characters dropped, odd spaces
    become plain spaces."""
    text = b.original
    pos = a
    for m in re.finditer(r"\r\n?|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200d\u2060\ufeff\u00ad]|"
                         r"[\t\u00a0\u2000-\u200a\u202f\u205f\u3000]", text[a:z]):
        s, e = a + m.start(), a + m.end()
        b.copy(pos, s)
        ch = m.group()
        if ch.startswith("\r"):
            b.replace(s, e, "\n")
        elif _SPACE_CHARS.fullmatch(ch):
            b.replace(s, e, " ")
        pos = e
    b.copy(pos, z)


def _emit_entity(b: _Builder, a: int, z: int) -> None:
    """An HTML entity ``&...;`` at original ``[a, z)``, decoded (dropped when it decodes to nothing visible)."""
    s = html.unescape(b.original[a:z])
    s = _SPACE_CHARS.sub(" ", _DROP_CHARS.sub("", s))
    if s:
        b.replace(a, z, s)


# ---- detection ----------------------------------------------------------------------------------------------------

_MD_SIGNS = (
    re.compile(r"^\s{0,3}#{1,6}\s+\S", re.M),
    re.compile(r"\[[^\]\n]+\]\([^)\s]+\)"),
    re.compile(r"^\s{0,3}(```|~~~)", re.M),
    re.compile(r"\*\*[^*\n]+\*\*"),
    re.compile(r"^\s*\|?\s*:?-{3,}:?\s*\|", re.M),
    re.compile(r"^\s{0,3}[-*+]\s+\S", re.M),
    re.compile(r"!\[[^\]\n]*\]\("),
)
_HTML_TAG = re.compile(r"</?(?:p|div|span|a|br|img|h[1-6]|ul|ol|li|table|tr|td|th|body|html|head|section|article|"
                       r"strong|em|b|i|pre|code|figure|picture|source|meta|link|script|style)\b[^>]*>", re.I)
_TICKER = re.compile(r"<([A-Z][A-Z0-9.&'-]{0,9})>")


def detect_markup(text: str) -> Markup:
    """Which markup ``text`` holds, from its content: html, markdown, wire or plain text.

    >>> detect_markup("# Title\\n\\nSee [the paper](https://x.org) and **bold**.")
    <Markup.markdown: 'markdown'>
    >>> detect_markup("ACME <ACM> BUYS UNIT\\n\\nAcme Corp <ACM> said it bought\\nthe unit.")
    <Markup.wire: 'wire'>
    >>> detect_markup("A plain sentence. Another one.")
    <Markup.text: 'text'>
    """
    head = text[:20000]
    if re.match(r"\s*(<!doctype html|<html)", head, re.I):
        return Markup.html
    md = [bool(p.search(head)) for p in _MD_SIGNS]
    if sum(md) >= 2 or (sum(md) == 1 and (md[0] or md[1] or md[2])):
        return Markup.markdown  # markdown may hold HTML tags; the markdown reader drops them too
    tags = len(_HTML_TAG.findall(head))
    if tags >= 3 and tags * 400 >= len(head):
        return Markup.html
    if _TICKER.search(head) or _is_capital_headline(head.split("\n", 1)[0]):
        return Markup.wire
    return Markup.text


_WORD = re.compile(r"[A-Za-z][A-Za-z'&.-]*")


def _is_capital_headline(line: str) -> bool:
    words = _WORD.findall(line)
    letters = [c for c in line if c.isalpha()]
    return len(words) >= 2 and bool(letters) and sum(c.isupper() for c in letters) / len(letters) >= 0.9


# ---- plain text ---------------------------------------------------------------------------------------------------


def _normalise_text(text: str) -> Normalised:
    b = _Builder(text)
    _copy_clean(b, 0, len(text))
    return b.build(Markup.text)


# ---- HTML ---------------------------------------------------------------------------------------------------------

_BLOCK_TAGS = frozenset([
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "section", "article",
    "header", "footer", "nav", "aside", "blockquote", "figure", "figcaption", "hr", "dl", "dt", "dd", "title",
    "main", "form", "fieldset", "caption", "picture",
])
_CELL_TAGS = frozenset({"td", "th"})
_SKIP_TAGS = frozenset({"script", "style", "pre", "head", "svg", "noscript", "template", "code-block"})
_HTML_TOKEN = re.compile(r"<!--.*?(?:-->|\Z)|<!\[CDATA\[.*?(?:\]\]>|\Z)|<![^>]*>|<\?[^>]*>|</?([A-Za-z][\w:-]*)"
                         r"(?:[^>\"']|\"[^\"]*\"|'[^']*')*>|&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});",
                         re.S)
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "title"})


def _html_into(b: _Builder, a: int, z: int, *, fold_space: bool) -> None:
    """Original ``[a, z)`` read as HTML into ``b``: tags dropped, entities decoded, skipped elements dropped."""
    text = b.original
    pos = a
    skip_until: str | None = None
    heading_start: int | None = None
    link_start: int | None = None
    bold_start: int | None = None
    for m in _HTML_TOKEN.finditer(text, a, z):
        s, e = m.start(), m.end()
        if skip_until is None and s > pos:
            _html_text(b, pos, s, fold_space)
        pos = e
        tok = m.group()
        name = (m.group(1) or "").lower()
        closing = tok.startswith("</")
        if skip_until is not None:
            if closing and name == skip_until:
                skip_until = None
            continue
        if tok.startswith("&"):
            _emit_entity(b, s, e)
            continue
        if not name:
            continue  # comment, doctype, CDATA, processing instruction
        if name in _SKIP_TAGS and not closing and not tok.endswith("/>"):
            skip_until = name
            b.newline(s)
            continue
        if name in _CELL_TAGS:
            if not closing and not b.ends_with("\n") and b.n:
                b.put("; ", s)
            continue
        if name in _BLOCK_TAGS:
            b.newline(s)
        elif name == "img":
            b.space(s)
        if name in _HEADING_TAGS:
            if not closing:
                heading_start = b.n
            elif heading_start is not None:
                b.region(heading_start, "heading")
                heading_start = None
                b.newline(s)
        elif name == "a":
            if not closing:
                link_start = b.n
            elif link_start is not None:
                b.region(link_start, "link")
                link_start = None
        elif name in ("b", "strong"):
            if not closing:
                bold_start = b.n
            elif bold_start is not None:
                b.region(bold_start, "bold")
                bold_start = None
    if skip_until is None and pos < z:
        _html_text(b, pos, z, fold_space)


def _html_text(b: _Builder, a: int, z: int, fold_space: bool) -> None:
    if not fold_space:
        _copy_clean(b, a, z)
        return
    text = b.original
    pos = a
    for m in re.finditer(r"\s+", text[a:z]):
        s, e = a + m.start(), a + m.end()
        _copy_clean(b, pos, s)
        if b.n and not b.ends_with("\n") and not b.ends_with(" "):
            b.replace(s, e, " ")
        pos = e
    _copy_clean(b, pos, z)


def _normalise_html(text: str) -> Normalised:
    b = _Builder(text)
    _html_into(b, 0, len(text), fold_space=True)
    return b.build(Markup.html)


# ---- markdown -----------------------------------------------------------------------------------------------------

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})(?:\s+|$)")
_HEADING_TAIL = re.compile(r"\s+#+\s*$")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_HRULE = re.compile(r"^\s{0,3}([-*_])(?:\s*\1){2,}\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)+\|?\s*$")
_LIST = re.compile(r"^(\s*)(?:[-*+]|\d{1,3}[.)])\s+", re.M)
_QUOTE = re.compile(r"^\s{0,3}(?:>\s?)+")
_REFDEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+")
_HTML_LINE = re.compile(r"^\s*</?[A-Za-z][\w-]*(?:\s[^>]*)?/?>\s*$|^\s*<!--")
_INLINE = re.compile(
    r"(?P<image>!\[(?:[^\]\n]|\][^(\n])*\]\([^)\n]*\))"
    r"|(?P<link>\[(?P<ltext>[^\]\n]{1,300})\](?:\((?P<target>[^)\n]*)\)|\[[^\]\n]*\]))"
    r"|(?P<auto><(?:https?|ftp|mailto):[^>\s]*>)"
    r"|(?P<url>\b(?:https?|ftp)://[^\s<>\])\"']+)"
    r"|(?P<foot>\[\^[^\]\n]*\])"
    r"|(?P<liquid>\{%.*?%\}|\{\{.*?\}\})"
    r"|(?P<code>`+)"
    r"|(?P<tag><!--.*?(?:-->|$)|</?[A-Za-z][\w:-]*(?:[^>\"'\n]|\"[^\"\n]*\"|'[^'\n]*')*>)"
    r"|(?P<entity>&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});)"
    r"|(?P<strong>\*\*|__)"
    r"|(?P<em>(?<![\w*])\*(?=[^\s*])|(?<=[^\s*])\*(?![\w*])|(?<![\w_])_(?=[^\s_])|(?<=[^\s_])_(?![\w_]))"
    r"|(?P<ws>[ \t]+)"
)


def _md_inline(b: _Builder, a: int, z: int, region_kind: str | None = None) -> None:
    """One line (or part of one) of markdown: inline syntax dropped, text kept."""
    text = b.original
    start_n = b.n
    pos = a
    bold_at: int | None = None
    while pos < z:
        m = _INLINE.search(text, pos, z)
        if m is None:
            _copy_clean(b, pos, z)
            break
        s, e = m.start(), m.end()
        _copy_clean(b, pos, s)
        kind = m.lastgroup
        if kind == "ltext" or m.group("link") is not None:
            ls, le = m.start("ltext"), m.end("ltext")
            link_n = b.n
            _md_inline(b, ls, le)
            b.region(link_n, "link")
            pos = e
            continue
        if kind == "code":
            ticks = m.group("code")
            close = text.find(ticks, e, z)
            if close < 0:
                pos = e
                continue
            code_n = b.n
            _copy_clean(b, e, close)
            b.region(code_n, "code")
            pos = close + len(ticks)
            continue
        if kind == "tag":
            tag = m.group("tag").lower()
            if re.match(r"</?(?:br|p|div|li|tr|h[1-6]|table|ul|ol)\b", tag):
                b.space(s)
            elif re.match(r"</?t[dh]\b", tag):
                b.put("; " if b.n and not b.ends_with("; ") else "", s)
            pos = e
            continue
        if kind in ("image", "auto", "url", "foot", "liquid") and (b.n == 0 or b.ends_with(" ") or b.ends_with("\n")):
            while e < z and text[e] in " \t":
                e += 1  # a dropped element takes one side's space with it
        if kind == "entity":
            _emit_entity(b, s, e)
        elif kind == "strong":
            if bold_at is None:
                bold_at = b.n
            else:
                b.region(bold_at, "bold")
                bold_at = None
        elif kind == "ws":
            b.replace(s, e, " ") if e - s > 1 else b.copy(s, e)
        pos = e
    if region_kind:
        b.region(start_n, region_kind)


def _normalise_markdown(text: str) -> Normalised:
    b = _Builder(text)
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]*", text)
             if m.start() == 0 or text[m.start() - 1] == "\n"]
    fence: str | None = None
    html_skip: str | None = None
    in_para = False
    prev_line: tuple[int, int] | None = None
    for idx, (a, z) in enumerate(lines):
        line = text[a:z].rstrip("\r")
        z = a + len(line)
        if fence is not None:
            if re.match(rf"^\s{{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$", line):
                fence = None
            continue
        if html_skip is not None:
            if re.search(rf"</{html_skip}\s*>", line, re.I):
                html_skip = None
            continue
        m = _FENCE.match(line)
        if m:
            fence = m.group(1)
            b.newline(a)
            in_para = False
            continue
        m = re.match(r"^\s*<(script|style|pre|svg)\b", line, re.I)
        if m and not re.search(rf"</{m.group(1)}\s*>", line, re.I):
            html_skip = m.group(1).lower()
            b.newline(a)
            in_para = False
            continue
        if not line.strip():
            b.newline(a)
            in_para = False
            continue
        nxt = text[lines[idx + 1][0]:lines[idx + 1][1]] if idx + 1 < len(lines) else ""
        if _SETEXT.match(line) and prev_line is not None and in_para:
            continue  # the underline of a setext heading (the line before was marked below)
        if _HRULE.match(line) or _TABLE_RULE.match(line) or _REFDEF.match(line):
            b.newline(a)
            in_para = False
            continue
        m = _HEADING.match(line)
        if m:
            b.newline(a)
            start = b.n
            tail = _HEADING_TAIL.search(line)
            _md_inline(b, a + m.end(), a + (tail.start() if tail else len(line)), "heading")
            b.newline(z)
            in_para = False
            continue
        if _SETEXT.match(nxt) and not _LIST.match(line) and not line.lstrip().startswith("|") and nxt.strip():
            b.newline(a)
            _md_inline(b, a, z, "heading")
            b.newline(z)
            in_para = True
            prev_line = (a, z)
            continue
        if _HTML_LINE.match(line):
            b.newline(a)
            _md_inline(b, a, z)
            b.newline(z)
            in_para = False
            continue
        stripped = line.strip()
        if stripped.startswith("|") or (stripped.count("|") >= 2 and _TABLE_RULE.match(nxt or "")):
            b.newline(a)
            start = b.n
            _md_table_row(b, a, z)
            b.region(start, "table")
            b.newline(z)
            in_para = False
            continue
        body = a
        q = _QUOTE.match(line)
        if q:
            body = a + q.end()
        lm = _LIST.match(text, body, z)
        if lm:
            body = lm.end()
            b.newline(a)
            in_para = True
        elif in_para:
            b.space(a)
        else:
            b.newline(a)
            in_para = True
        while body < z and text[body] in " \t":
            body += 1
        _md_inline(b, body, z)
        prev_line = (a, z)
    return b.build(Markup.markdown)


def _md_table_row(b: _Builder, a: int, z: int) -> None:
    text = b.original
    cells = []
    pos = a
    for m in re.finditer(r"(?<!\\)\|", text[a:z]):
        cells.append((pos, a + m.start()))
        pos = a + m.end()
    cells.append((pos, z))
    first = True
    for s, e in cells:
        while s < e and text[s] in " \t":
            s += 1
        while e > s and text[e - 1] in " \t":
            e -= 1
        if s >= e:
            continue
        if not first:
            b.put("; ", s)
        _md_inline(b, s, e)
        first = False


# ---- wire copy ----------------------------------------------------------------------------------------------------

_CODE = re.compile(r"^[A-Z][A-Z0-9.&-]{0,9}$")
_FUNCTION_WORDS = frozenset([
    "a", "an", "the", "and", "or", "of", "to", "in", "on", "at", "by", "for", "from", "with", "as", "into",
    "over", "under", "after", "before", "up", "down", "out", "off", "vs", "via", "per", "than", "that", "this",
    "these", "those", "its", "it", "his", "her", "their", "is", "are", "was", "were", "be", "been", "has", "have",
    "had", "will", "would", "may", "can", "could", "should", "not", "no", "new",
])


def _wire_drops(text: str) -> list[tuple[int, int]]:
    """Ranges of wire copy to drop: ticker codes in angle brackets (with the space that joins them) and the
    brackets of bracketed names ('<Northserv Inc>' keeps its words), also when a line break falls inside."""
    drops: list[tuple[int, int]] = []
    for m in re.finditer(r"<([^<>]{1,80})>", text):
        inner = m.group(1)
        if "\n\n" in inner:
            continue
        if _CODE.match(inner.strip()):
            s, e = m.start(), m.end()
            while s > 0 and text[s - 1] in " \t":
                s -= 1
            if s == 0 or text[s - 1] == "\n":  # at the start of a line: take the space after it instead
                s = m.start()
                while e < len(text) and text[e] in " \t":
                    e += 1
            drops.append((s, e))
        else:
            drops.extend([(m.start(), m.start() + 1), (m.end() - 1, m.end())])
    return drops


def _without(a: int, z: int, drops: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out = []
    pos = a
    for s, e in drops:
        if e <= pos or s >= z:
            continue
        if s > pos:
            out.append((pos, s))
        pos = max(pos, e)
    if pos < z:
        out.append((pos, z))
    return out


def _normalise_wire(text: str, is_word: Callable[[str], bool] | None) -> Normalised:
    b = _Builder(text)
    drops = _wire_drops(text)
    body_forms: Counter[str] = Counter()
    first_nl = text.find("\n")
    head_end = len(text) if first_nl < 0 else first_nl
    body = text[head_end:]
    for w in re.finditer(r"(?<![\w'])[A-Za-z][A-Za-z'&.-]*", body):
        word = w.group().rstrip(".")
        if not word.isupper() or len(word) <= 3:
            body_forms[word] += 1
    casing: dict[str, str] = {}
    for form, _n in body_forms.most_common():
        casing.setdefault(form.lower(), form)
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]*", text)
             if m.start() == 0 or text[m.start() - 1] == "\n"]
    prev_blank = True
    for idx, (a, z) in enumerate(lines):
        line = text[a:z]
        stripped = line.strip()
        if not stripped:
            b.newline(a)
            prev_blank = True
            continue
        indented = bool(re.match(r"^(?:\s{2,}|\t)", line))
        headline = idx == 0 or (prev_blank and _is_capital_headline(line) and len(stripped) < 120)
        if idx > 0:
            previous = text[lines[idx - 1][0]:lines[idx - 1][1]]
            if prev_blank or indented or headline or _looks_tabular(line) or _looks_tabular(previous):
                b.newline(a)
            else:
                b.space(a)
        lead = len(line) - len(line.lstrip())
        start = b.n
        recase = casing if headline and _is_capital_headline(line) else None
        for sa, sz in _without(a + lead, z, drops):
            _wire_words(b, sa, sz, recase, is_word)
        if headline:
            b.region(start, "headline")
            b.newline(z)
        prev_blank = False
    return b.build(Markup.wire)


def _looks_tabular(line: str) -> bool:
    """'Shr 1.12 dlrs vs 1.01 dlrs', 'Net 12.1 mln vs 10.2 mln': earnings tables stay one line per row."""
    return (bool(re.search(r"\bvs\b", line)) and len(line.strip()) < 70) or bool(re.search(r"\S {3,}\S", line.strip()))


def _wire_words(b: _Builder, a: int, z: int, casing: dict[str, str] | None,
                is_word: Callable[[str], bool] | None) -> None:
    if casing is None:
        _copy_clean(b, a, z)
        return
    text = b.original
    pos = a
    for m in re.finditer(r"[A-Za-z][A-Za-z'&.-]*", text[a:z]):
        s, e = a + m.start(), a + m.end()
        _copy_clean(b, pos, s)
        b.copy(s, e, _recase(m.group(), casing, is_word, first=b.n == 0 or b.ends_with("\n")))
        pos = e
    _copy_clean(b, pos, z)


def _recase(word: str, casing: dict[str, str], is_word: Callable[[str], bool] | None, *, first: bool) -> str:
    """A headline word in capitals, re-cased: as the body writes it, else lower case for an English word, else a
    capitalised name; codes (U.S., IBM, NYSE) stay in capitals. Same length as ``word``."""
    if not word.isupper():
        return word
    low = word.lower()
    bare = low.rstrip(".")
    out: str
    if bare in casing and len(casing[bare]) == len(bare):
        out = casing[bare] + word[len(bare):].lower()
    elif "." in word.rstrip(".") or (len(word) <= 4 and not (is_word and is_word(low)) and low not in _FUNCTION_WORDS):
        out = word
    elif low in _FUNCTION_WORDS or (is_word is not None and is_word(bare)):
        out = low
    else:
        out = word[0] + low[1:]
    if first and out[:1].islower():
        out = out[0].upper() + out[1:]
    return out if len(out) == len(word) else word


# ---- long texts ---------------------------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?;:][\"'’”)\]]*\s+")


def split_points(text: str, max_chars: int) -> list[tuple[int, int]]:
    """``[start, end)`` ranges that cover ``text`` in order, none longer than ``max_chars``: each piece ends after
    the last paragraph break (a blank line) of its second half, else the last line break, else the last
    sentence end ('. ', '? ', '; '), else the last space, else at ``max_chars`` (a hard cut, for text without
    white space). A text of at most ``max_chars`` is one piece.

    >>> split_points("One. Two.\\n\\nThree four. Five six.", 16)
    [(0, 11), (11, 23), (23, 32)]
    """
    if max_chars < 2:
        raise ValueError("split_points: max_chars must be at least 2")
    out: list[tuple[int, int]] = []
    pos, n = 0, len(text)
    while n - pos > max_chars:
        lo, hi = pos + max_chars // 2, pos + max_chars
        cut = text.rfind("\n\n", lo, hi)
        cut = cut + 2 if cut >= 0 else -1
        if cut < 0:
            at = text.rfind("\n", lo, hi)
            cut = at + 1 if at >= 0 else -1
        if cut < 0:
            ends = [m.end() for m in _SENTENCE_END.finditer(text, lo, hi)]
            cut = ends[-1] if ends else -1
        if cut < 0:
            at = max(text.rfind(" ", lo, hi), text.rfind("\t", lo, hi))
            cut = at + 1 if at >= 0 else hi
        out.append((pos, cut))
        pos = cut
    out.append((pos, n))
    return out


# ---- entry point --------------------------------------------------------------------------------------------------


def normalise(text: str, markup: Markup | str = Markup.auto, *, is_word: Callable[[str], bool] | None = None
              ) -> Normalised:
    """Clean ``text`` for the pipeline, keeping a map back to it. Never raises on odd markup.

    ``markup`` says how the text is written (``auto``: :func:`detect_markup`). ``is_word`` tells an ordinary
    English word (lower case) from a name when a wire headline in capitals is re-cased.

    >>> n = normalise("Read [the Llama 3 paper](https://x.org/p) **now**.", "markdown")
    >>> n.text
    'Read the Llama 3 paper now.'
    >>> a, z = n.span(n.text.index("Llama 3"), n.text.index("Llama 3") + 7)
    >>> n.original[a:z]
    'Llama 3'
    """
    kind = Markup(markup)
    if kind is Markup.auto:
        kind = detect_markup(text)
    if kind is Markup.markdown:
        return _normalise_markdown(text)
    if kind is Markup.html:
        return _normalise_html(text)
    if kind is Markup.wire:
        return _normalise_wire(text, is_word)
    return _normalise_text(text)
