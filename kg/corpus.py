"""Corpus input: turning files, folders and JSONL/CSV corpora into :class:`SourceText` records, streamed.

This module owns reading and checking source text (empty, binary, not UTF-8, too large) and the record formats
of corpora. It never touches the store and never imports spaCy. Everything is a generator: a folder or a corpus
file is read one document at a time, so memory does not grow with the corpus.

Inputs (``iter_sources``):

- a text file (any extension except ``.jsonl``/``.ndjson``/``.csv`` when ``fmt="auto"``): one document;
- a folder: every ``*.txt``, ``*.md`` and ``*.html`` below it, recursively, in sorted order;
- a ``.jsonl`` file: one JSON object per line, one article per record (fields ``id``, ``title``, ``date``, ``text``
  by default, names configurable);
- a ``.csv`` file with a header row, one article per row, same fields.

A problem with the input as a whole (missing path, a folder without text files, a corpus without its text column)
raises :class:`~kg.errors.InputError`. A problem with one document inside a folder or corpus is passed to
``on_error`` (when given) and the document is left out, so a long run is not lost to one bad record.
"""

from __future__ import annotations

import csv
import datetime as dt
import errno
import hashlib
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO

from kg.errors import InputError
from kg.facts import DocumentInfo

#: Largest document accepted, in bytes (override with ``KG_MAX_DOC_BYTES`` or the ``max_bytes`` arguments).
DEFAULT_MAX_BYTES = 10 * 1024 * 1024

#: File name patterns a folder is searched for.
TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
#: How a suffix says a file is written (anything else: decided from its content by the normaliser).
SUFFIX_MARKUP = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html"}
JSONL_SUFFIXES = (".jsonl", ".ndjson")
CSV_SUFFIXES = (".csv",)


class InputFormat(StrEnum):
    """How to read a path given to ``kg ingest``."""

    auto = "auto"
    text = "text"
    jsonl = "jsonl"
    csv = "csv"


class Origin(StrEnum):
    """Where a source came from: a file named explicitly, a file found in a folder, or a corpus record."""

    file = "file"
    folder = "folder"
    jsonl = "jsonl"
    csv = "csv"


@dataclass(frozen=True)
class SourceText:
    """One document to ingest. ``sha256`` is the hash of the UTF-8 bytes of ``text`` (its identity in the store)."""

    id: str
    text: str
    sha256: str
    path: str | None = None
    title: str | None = None
    date: str | None = None
    origin: Origin = Origin.file
    #: How the text is written (``markdown``, ``html``, ``wire``, ``text``), or ``None``: decided from its content.
    markup: str | None = None

    @classmethod
    def from_text(
        cls,
        text: str,
        *,
        id: str | None = None,
        path: str | None = None,
        title: str | None = None,
        date: str | None = None,
        origin: Origin = Origin.file,
        markup: str | None = None,
    ) -> SourceText:
        """Build a source from text already in memory (hash computed, title guessed when not given)."""
        sha = sha256_text(text)
        return cls(
            id=id or path or sha,
            text=text,
            sha256=sha,
            path=path,
            title=title if title else guess_title(text),
            date=normalise_date(date) if date else None,
            origin=origin,
            markup=markup,
        )

    def document_info(self) -> DocumentInfo:
        """What the RDF mapping records about this document."""
        return DocumentInfo(sha256=self.sha256, path=self.path, title=self.title, chars=len(self.text), date=self.date)


# --- checking text -------------------------------------------------------------------------------------------------


def sha256_text(text: str) -> str:
    """Hex sha256 of the UTF-8 bytes of ``text``.

    >>> sha256_text("abc")[:12]
    'ba7816bf8f01'
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def max_bytes_default() -> int:
    """The per-document size limit: ``KG_MAX_DOC_BYTES`` when set, else :data:`DEFAULT_MAX_BYTES`."""
    raw = os.environ.get("KG_MAX_DOC_BYTES")
    if raw:
        try:
            return int(raw)
        except ValueError:
            raise InputError(f"KG_MAX_DOC_BYTES must be a whole number of bytes, not {raw!r}") from None
    return DEFAULT_MAX_BYTES


# Control characters that never appear in text (everything below 0x20 except tab, newline, vertical tab, form feed,
# carriage return; plus DEL).
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def decode_text(data: bytes, origin: str, *, max_bytes: int | None = None) -> str:
    """Check raw bytes and decode them as UTF-8 text; raise :class:`InputError` naming ``origin`` when they are not.

    UTF-8 is the encoding; a text starting with a UTF-16 byte order mark (``FF FE`` little-endian, ``FE FF``
    big-endian) is decoded as UTF-16 instead. A byte order mark (UTF-8 or UTF-16) is not part of the text: it is
    dropped, so the text, its sha256 (the document's identity) and every evidence offset (``start``/``end``, counted in
    characters) are those of the text after the mark: the same article with or without a BOM, or in UTF-16, is the
    same document with the same offsets. UTF-16 without a BOM is not guessed (it reads as binary: NUL bytes).

    >>> decode_text(b"Hello", "x.txt")
    'Hello'
    >>> decode_text(b"caf\\xe9 au lait", "x.txt")
    Traceback (most recent call last):
    ...
    kg.errors.InputError: x.txt: not UTF-8 text (invalid byte 0xe9 at offset 3)
    """
    limit = max_bytes_default() if max_bytes is None else max_bytes
    if len(data) > limit:
        raise InputError(f"{origin}: too large ({len(data):,} bytes; the limit is {limit:,} bytes per document)")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return _decode_utf16(data, origin)
    if not data.strip():
        raise InputError(f"{origin}: empty document (no text)")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise InputError(f"{origin}: binary file, not text (NUL byte at offset {nul})")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(
            f"{origin}: not UTF-8 text (invalid byte 0x{data[err.start]:02x} at offset {err.start})"
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return check_text(text, origin)


def _decode_utf16(data: bytes, origin: str) -> str:
    """Text of UTF-16 bytes that start with a byte order mark (which is dropped)."""
    codec, order = ("utf-16-le", "little-endian") if data[:2] == b"\xff\xfe" else ("utf-16-be", "big-endian")
    try:
        text = data[2:].decode(codec)
    except UnicodeDecodeError as err:
        raise InputError(f"{origin}: not UTF-16 text ({order} byte order mark, then {err.reason} at offset "
                         f"{err.start + 2})") from None
    if "\x00" in text:
        raise InputError(f"{origin}: binary file, not text (NUL character at offset {text.index(chr(0))})")
    return check_text(text, origin)


def check_text(text: str, origin: str) -> str:
    """Reject text that is empty or mostly control characters (binary data that happens to decode)."""
    if not text.strip():
        raise InputError(f"{origin}: empty document (no text)")
    controls = len(_CONTROL.findall(text[:65536]))
    if controls > max(8, len(text[:65536]) // 100):
        raise InputError(f"{origin}: binary file, not text ({controls} control characters)")
    return text


def missing_reason(path: Path, what: str = "no such file") -> str:
    """Why ``path`` cannot be opened although it was named: a symbolic link loop, a broken symbolic link, or ``what``.
    """
    try:
        os.stat(path)
    except OSError as err:
        if err.errno == errno.ELOOP:
            return "symbolic link loop (the link leads back to itself)"
        if os.path.islink(path):
            return "broken symbolic link (its target does not exist)"
    return what


def read_text_file(path: str | Path, *, max_bytes: int | None = None, origin: Origin = Origin.file) -> SourceText:
    """Read one document from a text file, checked (see :func:`decode_text`)."""
    p = Path(path)
    shown = str(path)
    if not p.exists():
        raise InputError(f"{shown}: {missing_reason(p)}")
    if p.is_dir():
        raise InputError(f"{shown}: is a directory, not a text file")
    limit = max_bytes_default() if max_bytes is None else max_bytes
    try:
        size = p.stat().st_size
        if size > limit:
            raise InputError(f"{shown}: too large ({size:,} bytes; the limit is {limit:,} bytes per document)")
        data = p.read_bytes()
    except OSError as err:
        raise InputError(f"{shown}: cannot read ({err.strerror or err})") from None
    text = decode_text(data, shown, max_bytes=limit)
    return SourceText.from_text(text, id=shown, path=shown, origin=origin, markup=SUFFIX_MARKUP.get(p.suffix.lower()))


# --- titles and dates ----------------------------------------------------------------------------------------------

_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")


def guess_title(text: str) -> str | None:
    """The first line when it looks like a headline (short, not a sentence ending in a full stop), else ``None``.

    >>> guess_title("Acme buys Widget Co\\n\\nAcme said on Monday it had bought Widget Co.")
    'Acme buys Widget Co'
    >>> guess_title("# Acme results\\nText.")
    'Acme results'
    >>> guess_title("Acme said on Monday it had bought Widget Co. The deal closed.") is None
    True
    """
    lines = text.lstrip().splitlines()
    if len(lines) < 2:
        return None
    first = lines[0].strip()
    m = _MD_HEADING.match(first)
    if m:
        return m.group(1).strip() or None
    if not first or len(first) > 160 or len(first.split()) > 25:
        return None
    if first[-1] in ".;,:" or first.count(". ") > 0:
        return None
    return first


_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?\s*$")


def normalise_date(value: str) -> str:
    """An ISO 8601 date (``YYYY-MM-DD``) from a date or date-time string; :class:`InputError` otherwise.

    >>> normalise_date("2025-02-24T08:30:00Z")
    '2025-02-24'
    """
    m = _DATE.match(str(value))
    if not m:
        raise InputError(f"not an ISO date (YYYY-MM-DD): {value!r}")
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    except ValueError:
        raise InputError(f"not a valid date: {value!r}") from None


# --- corpora -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fields:
    """Field (column) names of a JSONL/CSV corpus."""

    text: str = "text"
    id: str = "id"
    title: str = "title"
    date: str = "date"


ErrorHandler = Callable[[InputError], None]


def detect_format(path: Path, fmt: InputFormat | str = InputFormat.auto) -> InputFormat:
    """The format to read a file with: ``fmt`` unless it is ``auto``, else from the extension."""
    fmt = InputFormat(fmt)
    if fmt is not InputFormat.auto:
        return fmt
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        return InputFormat.jsonl
    if suffix in CSV_SUFFIXES:
        return InputFormat.csv
    return InputFormat.text


def iter_folder(folder: Path, on_error: ErrorHandler | None = None) -> Iterator[Path]:
    """Text files (``*.txt``, ``*.md``, ``*.markdown``, ``*.html``, ``*.htm``) below ``folder``, recursively, sorted,
    hidden entries skipped.

    Symbolic links to folders are followed, each real folder walked once (a second link to it is passed over). A
    link that leads back into a folder being walked, or that cannot be resolved because it loops, is a symbolic link
    loop: it is passed to ``on_error`` (raised when there is none) and not followed, so a walk always ends.
    """
    def ident(path: str) -> tuple[int, int]:
        st = os.stat(path)
        return st.st_dev, st.st_ino

    def loop(path: str, why: str = "symbolic link loop (the link leads back into its own folder); not followed"
             ) -> None:
        err = InputError(f"{path}: {why}")
        if on_error is None:
            raise err
        on_error(err)

    top = str(folder)
    chains: dict[str, tuple[tuple[int, int], ...]] = {top: (ident(top),)}
    seen = set(chains[top])
    for root, dirs, files in os.walk(folder, followlinks=True):
        chain = chains.pop(root, ())
        keep = []
        for d in sorted(d for d in dirs if not d.startswith(".")):
            full = os.path.join(root, d)
            key = ident(full)
            if key in chain:
                loop(full)
            elif key not in seen:
                seen.add(key)
                chains[full] = (*chain, key)
                keep.append(d)
        dirs[:] = keep
        for name in sorted(files):
            if name.startswith("."):
                continue
            full = os.path.join(root, name)
            why = missing_reason(Path(full), "") if os.path.islink(full) else ""
            if why.startswith("symbolic link loop"):
                loop(full, why)
            elif name.lower().endswith(TEXT_SUFFIXES):
                yield Path(full)


def _record_source(
    record: dict[str, object], where: str, file: str, fields: Fields, origin: Origin, max_bytes: int
) -> SourceText:
    if fields.text not in record or record[fields.text] is None:
        raise InputError(f"{where}: no {fields.text!r} field")
    raw = record[fields.text]
    if not isinstance(raw, str):
        raise InputError(f"{where}: field {fields.text!r} is not a string")
    if len(raw.encode("utf-8", "surrogatepass")) > max_bytes:
        raise InputError(f"{where}: too large (the limit is {max_bytes:,} bytes per document)")
    if "\x00" in raw:
        raise InputError(f"{where}: binary data, not text (NUL character)")
    text = check_text(raw, where)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(f"{where}: text contains unpaired surrogates (not valid Unicode)") from None
    rid = record.get(fields.id)
    rid_s = str(rid) if rid not in (None, "") else None
    title = record.get(fields.title)
    date = record.get(fields.date)
    try:
        date_s = normalise_date(str(date)) if date not in (None, "") else None
    except InputError as err:
        raise InputError(f"{where}: {err}") from None
    ident = rid_s or where
    return SourceText.from_text(
        text,
        id=ident,
        path=f"{file}#{rid_s}" if rid_s else where,
        title=str(title).strip() or None if title not in (None, "") else None,
        date=date_s,
        origin=origin,
    )


def iter_jsonl(
    path: Path, *, fields: Fields = Fields(), on_error: ErrorHandler | None = None, max_bytes: int | None = None
) -> Iterator[SourceText]:
    """Articles of a JSONL corpus, one per line (blank lines ignored), streamed."""
    limit = max_bytes_default() if max_bytes is None else max_bytes
    shown = str(path)
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed below; a generator keeps it open while streaming
    except OSError as err:
        raise InputError(f"{shown}: cannot read ({err.strerror or err})") from None
    with fh:
        for lineno, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            where = f"{shown}:{lineno}"
            try:
                if b"\x00" in raw:
                    raise InputError(f"{where}: binary data, not text (NUL byte)")
                if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]  # a UTF-8 byte order mark before the first record
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as err:
                    raise InputError(f"{where}: not UTF-8 (invalid byte 0x{raw[err.start]:02x} at column {err.start})"
                                     ) from None
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as err:
                    raise InputError(f"{where}: not valid JSON ({err.msg} at column {err.colno})") from None
                if not isinstance(record, dict):
                    raise InputError(f"{where}: a record must be a JSON object")
                yield _record_source(record, where, shown, fields, Origin.jsonl, limit)
            except InputError as err:
                if on_error is None:
                    raise
                on_error(err)


def _csv_field_limit() -> None:
    limit = sys.maxsize
    while True:
        try:
            csv.field_size_limit(limit)
            return
        except OverflowError:
            limit //= 10


def _utf8_lines(raw: IO[bytes]) -> Iterator[str]:
    """Lines of a binary file decoded one by one (a bad byte fails at its own line, not at a buffer boundary)."""
    for n, line in enumerate(raw):
        text = line.decode("utf-8")
        yield text[1:] if n == 0 and text.startswith("\ufeff") else text


def iter_csv(
    path: Path, *, fields: Fields = Fields(), on_error: ErrorHandler | None = None, max_bytes: int | None = None
) -> Iterator[SourceText]:
    """Articles of a CSV corpus (header row first), one per row, streamed."""
    limit = max_bytes_default() if max_bytes is None else max_bytes
    shown = str(path)
    _csv_field_limit()
    try:
        raw = open(path, "rb")  # noqa: SIM115 - closed below
    except OSError as err:
        raise InputError(f"{shown}: cannot read ({err.strerror or err})") from None
    with raw:
        head = raw.read(4096)
        if b"\x00" in head:
            raise InputError(f"{shown}: binary file, not a CSV corpus")
        raw.seek(0)
        reader = csv.DictReader(_utf8_lines(raw))
        try:
            header = reader.fieldnames
        except UnicodeDecodeError as err:
            raise InputError(f"{shown}: not UTF-8 text ({err.reason})") from None
        except csv.Error as err:
            raise InputError(f"{shown}: not a CSV file ({err})") from None
        if not header:
            raise InputError(f"{shown}: empty CSV corpus (no header row)")
        if fields.text not in header:
            raise InputError(f"{shown}: no {fields.text!r} column (columns: {', '.join(header)}); pass --text-field")
        while True:
            where = f"{shown}:{reader.line_num + 1}"
            try:
                row = next(reader)
            except StopIteration:
                return
            except (UnicodeDecodeError, csv.Error) as err:
                what = (f"not UTF-8 text ({err.reason})" if isinstance(err, UnicodeDecodeError)
                        else f"malformed CSV ({err})")
                stop = InputError(f"{where}: {what}; stopped reading this file")
                if on_error is None:
                    raise stop from None
                on_error(stop)
                return
            where = f"{shown}:{reader.line_num}"
            try:
                yield _record_source(row, where, shown, fields, Origin.csv, limit)
            except InputError as err:
                if on_error is None:
                    raise
                on_error(err)


#: The path that stands for standard input (``kg ingest -``, ``kg extract -``).
STDIN = "-"


def read_stdin(stream: IO[bytes] | None = None, *, max_bytes: int | None = None) -> SourceText:
    """Standard input as one text document (``<stdin>``), checked like a file (:func:`decode_text`). At most the
    size limit plus one byte is read, so an endless pipe is refused as too large in bounded memory."""
    limit = max_bytes_default() if max_bytes is None else max_bytes
    raw = stream if stream is not None else sys.stdin.buffer
    data = raw.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"<stdin>: too large (more than {limit:,} bytes; the limit is {limit:,} bytes per document)")
    return SourceText.from_text(decode_text(data, "<stdin>", max_bytes=limit), id="<stdin>", origin=Origin.file)


def check_paths(paths: Sequence[str | Path], *, fmt: InputFormat | str = InputFormat.auto,
                fields: Fields = Fields(), max_bytes: int | None = None) -> None:
    """Check every path given on the command line BEFORE anything is written.

    Explicitly named text files are read and checked in full (a bad one fails the whole run); folders must hold at
    least one text file; corpus files must exist, be readable and (CSV) have the text column. Records inside
    corpora and files inside folders are checked while streaming (see :func:`iter_sources`).
    """
    if not paths:
        raise InputError("no input given: name files, folders or JSONL/CSV corpora")
    if sum(1 for given in paths if str(given) == STDIN) > 1:
        raise InputError("standard input ('-') can be read only once")
    for given in paths:
        p = Path(given)
        if str(given) == STDIN:
            continue  # read and checked by read_stdin, before anything is written
        if not p.exists():
            raise InputError(f"{given}: {missing_reason(p, 'no such file or directory')}")
        if p.is_dir():
            loops: list[InputError] = []
            if next(iter_folder(p, on_error=loops.append), None) is None:
                if loops:
                    raise loops[0]
                raise InputError(f"{given}: directory has no text files (*.txt, *.md, *.html)")
            continue
        kind = detect_format(p, fmt)
        if kind is InputFormat.text:
            read_text_file(given, max_bytes=max_bytes)
        elif kind is InputFormat.jsonl:
            if p.stat().st_size == 0:
                raise InputError(f"{given}: empty corpus (no records)")
        else:
            for _ in iter_csv(p, fields=fields, on_error=lambda _e: None, max_bytes=max_bytes):
                break  # opening checks the header


def iter_sources(
    paths: Iterable[str | Path],
    *,
    fmt: InputFormat | str = InputFormat.auto,
    text_field: str = "text",
    id_field: str = "id",
    title_field: str = "title",
    date_field: str = "date",
    on_error: ErrorHandler | None = None,
    max_bytes: int | None = None,
    stdin: SourceText | None = None,
) -> Iterator[SourceText]:
    """Stream the documents of ``paths`` (files, folders, JSONL/CSV corpora), one :class:`SourceText` at a time.

    A path ``-`` stands for standard input, read beforehand as one text document (``stdin``, see
    :func:`read_stdin`).

    ``fmt`` forces how files (not folders) are read. Errors in single documents found in folders or corpus
    records go to ``on_error`` when given (the document is skipped), else they are raised. A folder without text
    files, or a path that does not exist, always raises :class:`InputError`.
    """
    fields = Fields(text=text_field, id=id_field, title=title_field, date=date_field)
    for given in paths:
        p = Path(given)
        if str(given) == STDIN:
            if stdin is None:
                raise InputError("standard input ('-') was not read: pass stdin=read_stdin()")
            yield stdin
            continue
        if p.is_dir():
            found = False
            for f in iter_folder(p, on_error=on_error):
                found = True
                try:
                    yield read_text_file(f, max_bytes=max_bytes, origin=Origin.folder)
                except InputError as err:
                    if on_error is None:
                        raise
                    on_error(err)
            if not found:
                raise InputError(f"{given}: directory has no text files (*.txt, *.md, *.html)")
            continue
        if not p.exists():
            raise InputError(f"{given}: {missing_reason(p, 'no such file or directory')}")
        kind = detect_format(p, fmt)
        if kind is InputFormat.jsonl:
            yield from iter_jsonl(p, fields=fields, on_error=on_error, max_bytes=max_bytes)
        elif kind is InputFormat.csv:
            yield from iter_csv(p, fields=fields, on_error=on_error, max_bytes=max_bytes)
        else:
            yield read_text_file(given, max_bytes=max_bytes, origin=Origin.file)


def estimate_count(paths: Iterable[str | Path], *, fmt: InputFormat | str = InputFormat.auto) -> int | None:
    """How many documents ``paths`` hold, for a progress bar: files in folders, non-blank JSONL lines, one per
    text file; ``None`` for CSV corpora (records may span lines). Reads JSONL files in chunks, never whole."""
    total = 0
    for given in paths:
        p = Path(given)
        if str(given) == STDIN:
            total += 1
            continue
        if p.is_dir():
            total += sum(1 for _ in iter_folder(p, on_error=lambda _e: None))
            continue
        kind = detect_format(p, fmt)
        if kind is InputFormat.csv:
            return None
        if kind is InputFormat.text:
            total += 1
            continue
        try:
            with open(p, "rb") as fh:
                for line in fh:
                    total += bool(line.strip())
        except OSError:
            return None
    return total
