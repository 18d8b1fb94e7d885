"""The README, tried as a newcomer tries it (issue 12, item 10): its examples run and print what it shows, and its
*Bad input* table gives the exit code and the first line kg really prints for each class of bad input.

Runnable examples are the README's ```` ```console ```` blocks: each ``$ `` line is a command, the lines up to the
next ``$ `` line are what it prints (stdout and stderr together, as a terminal shows them). Every block runs in a
fresh ``bash`` in a scratch copy of the checkout's layout (``seeds/`` and ``.venv`` linked in, ``../shared`` beside it
when present), after one ``kg --store .kg/demo-store demo`` (what ``make demo`` runs) shared by the whole module, and
with ``.venv/bin`` first on the PATH, as after ``. .venv/bin/activate``. Only line ends (CSV's CRLF), trailing spaces
and the scratch directory's own path are normalised; nothing in the examples prints a time. A block that reads
``../shared`` skips when it is absent (and fails under ``CI=true``).

The bad-input rows run the row's command in a scratch directory holding the files the row names (:data:`SETUPS`);
rows that need more than a file (a held lock, a busy port) set it up first. Rows whose command runs the spaCy
pipeline on a good document go through ``CliRunner`` in this process (the pipeline loads once); the others run the
real ``kg`` executable. Rows too costly or too timing-bound to run here name the test that covers them
(:data:`ELSEWHERE`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shlex
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
SHARED = (REPO / ".." / "shared").resolve()
BIN = Path(sys.executable).parent
KG = BIN / "kg"


# --- the README's runnable examples ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    """One ``$ `` command of a console block and the lines the README shows after it."""

    command: str
    expected: str


@dataclass(frozen=True)
class Block:
    line: int  # where the block starts in README.md (1-based)
    examples: tuple[Example, ...]

    @property
    def needs_shared(self) -> bool:
        return any("../shared" in e.command for e in self.examples)


_FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)


def readme_text() -> str:
    return README.read_text(encoding="utf-8")


def fenced_blocks(text: str) -> Iterator[tuple[str, int, str]]:
    """(language, first line number, body) of every fenced code block."""
    for m in _FENCE.finditer(text):
        yield m.group(1), text.count("\n", 0, m.start()) + 1, m.group(2)


def console_blocks(text: str | None = None) -> list[Block]:
    """The runnable examples: every ```console block, split at its ``$ `` lines."""
    blocks = []
    for lang, line, body in fenced_blocks(readme_text() if text is None else text):
        if lang != "console":
            continue
        examples: list[Example] = []
        command, output = None, []
        for row in body.splitlines():
            if row.startswith("$ "):
                if command is not None:
                    examples.append(Example(command, "\n".join(output)))
                command, output = row[2:], []
            elif command is None:
                raise AssertionError(f"README.md:{line}: a console block must start with a '$ ' command")
            else:
                output.append(row)
        if command is not None:
            examples.append(Example(command, "\n".join(output)))
        blocks.append(Block(line, tuple(examples)))
    return blocks


def normalise(out: str, workdir: Path) -> str:
    """What may differ between the README and a run: the scratch directory's path, CRLF, trailing spaces."""
    out = out.replace(str(workdir) + os.sep, "").replace(str(workdir), ".")
    return "\n".join(line.rstrip() for line in out.replace("\r\n", "\n").splitlines()).strip("\n")


def run_blocks(blocks: list[Block], workdir: Path) -> list[list[tuple[str, int]]]:
    """Run the blocks' commands in order in one bash, as a reader does in one terminal (``export`` and the like
    carry on from one command and one block to the next); the output and exit code of each command."""
    examples = [ex for b in blocks for ex in b.examples]
    marks = [f"<<<kg-readme {i}>>>" for i in range(len(examples))]
    script = ["cd " + shlex.quote(str(workdir))]
    for mark, ex in zip(marks, examples, strict=True):
        script += [f"printf '\\n%s\\n' {shlex.quote(mark)}", "{ " + ex.command + "\n} 2>&1",
                   "printf '\\n<<<rc %d>>>\\n' $?"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
    env.update(PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}", PYTHONUNBUFFERED="1", NO_COLOR="1")
    done = subprocess.run(["bash", "-c", "\n".join(script)], capture_output=True, text=True, env=env, timeout=900,
                          check=False)
    assert done.returncode == 0, done.stderr
    results = []
    for i, mark in enumerate(marks):
        chunk = done.stdout.split(f"\n{mark}\n", 1)[1]
        if i + 1 < len(marks):
            chunk = chunk.split(f"\n{marks[i + 1]}\n", 1)[0]
        body, rc = re.fullmatch(r"(.*)\n<<<rc (\d+)>>>\n?", chunk, re.DOTALL).groups()  # type: ignore[union-attr]
        results.append((normalise(body, workdir), int(rc)))
    out, i = [], 0
    for b in blocks:
        out.append(results[i:i + len(b.examples)])
        i += len(b.examples)
    return out


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch copy of what the README's examples see after ``make demo``: ``seeds/`` and ``.venv`` (this
    interpreter's environment), ``../shared`` when present, and ``.kg/demo-store`` made by ``kg demo`` once."""
    pytest.importorskip("kg.extract")
    if not (BIN / "activate").exists() or not KG.exists():
        pytest.skip(f"needs a virtual environment with kg installed (no {BIN / 'activate'} or {KG})")
    base = tmp_path_factory.mktemp("newcomer")
    work = base / "repo"
    work.mkdir()
    (work / "seeds").symlink_to(REPO / "seeds")
    (work / ".venv").symlink_to(Path(sys.prefix))
    if SHARED.exists():
        (base / "shared").symlink_to(SHARED)
    from kg.cli import app

    res = CliRunner().invoke(app, ["--store", str(work / ".kg" / "demo-store"), "demo"])
    assert res.exit_code == 0, res.stderr
    return work


def _block_id(block: Block) -> str:
    return f"README.md:{block.line}:{block.examples[0].command[:40]}"


BLOCKS = console_blocks()


@pytest.fixture(scope="module")
def readme_run(checkout: Path) -> dict[int, list[tuple[str, int]]]:
    """Every console block run once, in README order, in one shell; blocks reading ../shared left out without it."""
    blocks = [b for b in BLOCKS if SHARED.exists() or not b.needs_shared]
    return {b.line: r for b, r in zip(blocks, run_blocks(blocks, checkout), strict=True)}


@pytest.mark.slow
@pytest.mark.parametrize("block", BLOCKS, ids=[_block_id(b) for b in BLOCKS])
def test_readme_example_prints_what_the_readme_shows(block: Block, readme_run: dict[int, list[tuple[str, int]]],
                                                    shared) -> None:
    if block.needs_shared:
        shared("merge")
    for ex, (out, rc) in zip(block.examples, readme_run[block.line], strict=True):
        assert rc == 0, f"README.md:{block.line}: `$ {ex.command}` exited {rc}:\n{out}"
        assert out == ex.expected, f"README.md:{block.line}: `$ {ex.command}` printed\n{out}\n--- README shows\n" \
                                   f"{ex.expected}"


def test_the_readme_has_runnable_examples_in_one_style() -> None:
    """Every example with a prompt is in a console block (so it is run), calls ``kg`` as activated (one style), and
    the README says how ``kg`` gets on the PATH."""
    text = readme_text()
    assert len(BLOCKS) >= 3 and sum(len(b.examples) for b in BLOCKS) >= 10
    assert ". .venv/bin/activate" in text[text.index("## Two commands"):text.index("## A worked example")]
    for lang, line, body in fenced_blocks(text):
        if lang != "console":
            assert not re.search(r"^\$ ", body, re.MULTILINE), f"README.md:{line}: a '$ ' example outside a console " \
                                                               "block is never run"
    for block in BLOCKS:
        for ex in block.examples:
            assert ".venv/bin/kg" not in ex.command, f"README.md:{block.line}: use `kg` after activating the venv"


_WRITES = re.compile(r"(?<!\S)(?:--out|-o)\s+(\S+)|(?<![0-9&])>\s*(\S+)")


def test_readme_examples_write_only_untracked_places() -> None:
    """No example overwrites a file of the checkout: what they write goes under .kg/ (ignored) or /tmp."""
    tracked = set(subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True,
                                 check=False).stdout.split())
    seen = 0
    for lang, line, body in fenced_blocks(readme_text()):
        if lang not in ("console", "sh", "bash"):
            continue
        for row in body.splitlines():
            cmd = row[2:] if row.startswith("$ ") else row
            if not cmd.lstrip().startswith(("kg ", "make ")):
                continue
            for m in _WRITES.finditer(cmd.split(" #", 1)[0]):
                target = (m.group(1) or m.group(2)).strip("'\"")
                seen += 1
                assert target.startswith((".kg/", "/tmp/")) and target not in tracked, \
                    f"README.md:{line}: `{cmd}` writes {target}, which is not under .kg/ or /tmp"
    assert seen >= 3


def test_console_blocks_parse() -> None:
    text = "x\n```console\n$ kg a\none\ntwo\n$ kg b\n```\n```sh\nkg c\n```\n"
    assert console_blocks(text) == [Block(2, (Example("kg a", "one\ntwo"), Example("kg b", "")))]


# --- the Bad input table ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    what: str
    command: str
    exit: int
    first_line: str  # "" when kg prints nothing on stderr; a trailing "…" means "starts with"


def bad_input_rows(text: str | None = None) -> list[Row]:
    """The rows of the table in the README's *Bad input* section."""
    text = readme_text() if text is None else text
    start = text.index("\n## Bad input")
    section = text[start:text.index("\n## ", start + 1)]
    rows = []
    for line in section.splitlines():
        if not line.startswith("| ") or line.startswith(("| bad input", "|---")):
            continue
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        what, command, _does, code, first = cells
        cmd = re.fullmatch(r"`([^`]+)`", command)
        assert cmd, f"bad-input row {what!r}: the command column must be one `command`"
        msg = re.fullmatch(r"(`+) ?(.*?) ?\1|—", first)  # ``a `b` c`` holds backticks
        assert msg, f"bad-input row {what!r}: the last column must be one `first line` or —"
        rows.append(Row(what, cmd.group(1), int(code.split()[0]), msg.group(2) or ""))
    return rows


TEXT = "Harbor Corp reported steady sales.\n\nKestrel Labs is a unit of Harbor Corp and sells sensors.\n"
TINY_TTL = '@prefix ex: <http://example.org/> .\nex:acme ex:name "Acme" .\n'


def _bomb(levels: int = 9) -> str:
    ents = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + ("" if i == 1 else str(i - 1)) + ";") * 10}">' for i in range(1, levels + 1)]
    return _rdfxml("\n".join(ents), f"&lol{levels};")


def _rdfxml(dtd: str, value: str) -> str:
    doctype = f"<!DOCTYPE rdf:RDF [\n{dtd}\n]>\n" if dtd else ""
    return ('<?xml version="1.0"?>\n' + doctype +
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">\n'
            f'  <rdf:Description rdf:about="http://example.org/a"><ex:p>{value}</ex:p></rdf:Description>\n'
            '</rdf:RDF>\n')


def _files(d: Path) -> None:
    """Every file a row's command names (all small; ``big.txt`` is sparse)."""
    (d / "a.txt").write_text(TEXT, encoding="utf-8")
    (d / "empty.txt").write_bytes(b"")
    (d / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (d / "latin1.txt").write_bytes("Café Corp bought Bar Labs.\n".encode("latin-1"))
    (d / "utf16.txt").write_bytes(b"\xff\xfe" + TEXT.encode("utf-16-le"))
    (d / "bom.txt").write_bytes(b"\xef\xbb\xbf" + TEXT.replace("Harbor", "Kestrel").encode("utf-8"))
    with (d / "big.txt").open("wb") as f:
        f.truncate(11_000_000)
    (d / "self.txt").symlink_to("self.txt")
    (d / "loop").mkdir()
    (d / "loop" / "self").symlink_to("../loop")
    (d / "news").mkdir()
    (d / "news" / "a.txt").write_text(TEXT, encoding="utf-8")
    (d / "news" / "empty.txt").write_bytes(b"")
    (d / "news" / "latin1.txt").write_bytes(b"caf\xe9\n")
    (d / "corpus.jsonl").write_text('{"id": "1", "text": "Orbit Labs is a unit of Nova Group."}\n{"id": "2"}\n'
                                    'not json\n', encoding="utf-8")
    (d / "notext.jsonl").write_text('{"id": "1", "body": "Orbit Labs is a unit of Nova Group."}\n', encoding="utf-8")
    (d / "tiny.ttl").write_text(TINY_TTL, encoding="utf-8")
    (d / "bad.ttl").write_text('@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:d ex:e .\n',
                               encoding="utf-8")
    (d / "bad.rdf").write_text(_rdfxml("", "x").replace("</rdf:Description>\n", "\n"), encoding="utf-8")
    (d / "xxe.rdf").write_text(_rdfxml('<!ENTITY xxe SYSTEM "file:///etc/passwd">', "&xxe;"), encoding="utf-8")
    (d / "bomb.rdf").write_text(_bomb(), encoding="utf-8")
    (d / "long-entity.rdf").write_text(_rdfxml(f'<!ENTITY big "{"x" * 100_000}">', "&big;" * 20),
                                       encoding="utf-8")
    (d / "remote.jsonld").write_text('{"@context": "https://schema.org/", "@id": "http://example.org/a", '
                                     '"name": "A"}\n', encoding="utf-8")
    (d / "data.xyz").write_text("x\n", encoding="utf-8")
    (d / "mine").mkdir()
    (d / "mine" / "notes.txt").write_text("my notes\n", encoding="utf-8")


def _store(d: Path) -> None:
    """An (empty) store at the default place, .kg/store."""
    from kg.store import LocalStore

    LocalStore(d / ".kg" / "store").close()


@contextlib.contextmanager
def _locked(d: Path) -> Iterator[None]:
    """Another process holds .kg/store open for writing."""
    _store(d)
    holder = subprocess.Popen([sys.executable, "-c", "import sys, pyoxigraph; s = pyoxigraph.Store('.kg/store'); "
                               "print('ready', flush=True); sys.stdin.read()"], cwd=d, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        yield
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=60)


@contextlib.contextmanager
def _busy(port: int) -> Iterator[None]:
    """Something listens on ``port`` (this test, or whoever already does)."""
    sock = socket.socket()
    try:
        try:
            sock.bind(("127.0.0.1", port))
            sock.listen()
        except OSError as err:
            if err.errno != errno.EADDRINUSE:
                raise
        yield
    finally:
        sock.close()


@contextlib.contextmanager
def _with(setup: Callable[[Path], None], d: Path) -> Iterator[None]:
    setup(d)
    yield


#: What a row's command needs besides the files of :func:`_files`, by command. ``None``: nothing more.
SETUPS: dict[str, Callable[[Path], contextlib.AbstractContextManager[None]] | None] = {
    "kg ingest empty.txt": None,
    "kg ingest binary.txt": None,
    "kg ingest latin1.txt": None,
    "kg ingest utf16.txt": None,
    "kg ingest bom.txt": None,
    "kg ingest big.txt": None,
    "kg ingest missing.txt": None,
    "kg ingest self.txt": None,
    "kg ingest loop": None,
    "kg ingest news": None,
    "kg ingest corpus.jsonl": None,
    "kg ingest notext.jsonl": None,
    "kg ingest - < /dev/null": None,
    "kg ingest a.txt --date 2025-13-45": None,
    "kg ingest a.txt --model xx_missing_model": None,
    "kg ingest a.txt --format xml": None,
    "kg merge bad.ttl --name x": None,
    "kg merge bad.rdf --name x": None,
    "kg merge xxe.rdf --name x": None,
    "kg merge bomb.rdf --name x": None,
    "kg merge long-entity.rdf --name x": None,
    "kg merge remote.jsonld --name x": None,
    "kg merge data.xyz --name x": None,
    "kg merge missing.ttl --name x": None,
    "kg query --sparql 'SELECT ?s WHERE { ?s ?p }'": lambda d: _with(_store, d),
    "kg query --sparql 'DELETE WHERE { ?s ?p ?o }'": lambda d: _with(_store, d),
    "kg query --sparql 'SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }'":
        lambda d: _with(_store, d),
    "kg query parents -p org='x\" } ; DROP ALL ; #'": lambda d: _with(_store, d),
    "kg query parents": lambda d: _with(_store, d),
    "kg query nosuch.rq": lambda d: _with(_store, d),
    "kg merge tiny.ttl --name second": _locked,
    "kg --store mine stats": None,
    "kg --store a.txt stats": None,
    "kg --store .kg/nothing stats": None,
    "kg --store http://127.0.0.1:9 stats": None,
    "kg serve --bind 127.0.0.1:7878": lambda d: (_store(d), _busy(7878))[1],
    "kg serve --bind 7878": lambda d: _with(_store, d),
}

#: Rows not run here, and where they are checked instead.
ELSEWHERE: dict[str, str] = {
    "kg ingest long.txt": "tests/extract/test_long_texts.py::test_kg_extract_and_kg_ingest_of_a_text_over_the_limit "
                          "(a 1.5M-character text takes minutes to extract)",
    "kg ingest news-with-a-failing-document": "tests/extract/test_long_texts.py::"
                                             "test_a_document_that_raises_inside_extraction_is_left_out",
    "kill -9 PID": "tests/scale/test_orphans.py kills -9 a 2-worker ingest and reruns it; "
                   "tests/core/test_core_ingest.py resumes a batch a crash cut short",
    "kill -INT PID": "tests/core/test_core_cli.py::test_interrupt_is_exit_130_and_one_line",
}

#: Commands whose run loads the spaCy pipeline to extract a good document: run in-process (loaded once).
IN_PROCESS = {"kg ingest utf16.txt", "kg ingest bom.txt", "kg ingest news", "kg ingest corpus.jsonl",
              "kg ingest notext.jsonl"}

ROWS = bad_input_rows()


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
    env.update(PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}", PYTHONUNBUFFERED="1", NO_COLOR="1")
    return env


def run_row(command: str, where: Path) -> tuple[int, str]:
    """Exit code and stderr of a table row's command, run in ``where`` (its files made, its setup done)."""
    _files(where)
    setup = SETUPS[command]
    with setup(where) if setup is not None else contextlib.nullcontext():
        if command in IN_PROCESS:
            from kg.cli import app

            old = Path.cwd()
            os.chdir(where)
            try:
                res = CliRunner().invoke(app, shlex.split(command)[1:], env={"KG_STORE": None})
            finally:
                os.chdir(old)
            return res.exit_code, res.stderr
        done = subprocess.run(["bash", "-c", command.replace("kg ", shlex.quote(str(KG)) + " ", 1)], cwd=where,
                              capture_output=True, text=True, env=_env(), timeout=120, check=False)
        return done.returncode, done.stderr


def first_line(stderr: str) -> str:
    return next((line for line in stderr.splitlines() if line.strip()), "")


@pytest.mark.parametrize("row", [pytest.param(r, id=r.command, marks=[pytest.mark.slow] if r.command in IN_PROCESS
                                              else []) for r in ROWS if r.command not in ELSEWHERE])
def test_bad_input_row_is_what_kg_does(row: Row, tmp_path: Path) -> None:
    assert row.command in SETUPS, f"bad-input row {row.what!r}: no recipe for `{row.command}` in {__name__}.SETUPS"
    if row.command in IN_PROCESS:
        pytest.importorskip("kg.extract")
    code, stderr = run_row(row.command, tmp_path)
    line = first_line(stderr)
    assert code == row.exit, f"`{row.command}` exited {code}, the README says {row.exit}; stderr:\n{stderr}"
    if row.first_line.endswith("…"):
        assert line.startswith(row.first_line[:-1]), (line, row.first_line)
    else:
        assert line == row.first_line, f"`{row.command}` said\n{line}\nthe README shows\n{row.first_line}"


def test_bad_input_table_lists_every_class_kg_handles() -> None:
    """Every recipe here is a row of the table, every row has a recipe or says where it is tested, and the classes
    the issue names are all there."""
    commands = [r.command for r in ROWS]
    assert len(commands) == len(set(commands))
    assert set(SETUPS) | set(ELSEWHERE) == set(commands)
    named = " ".join(r.what.lower() for r in ROWS)
    for cls in ("empty", "binary", "utf-8", "utf-16", "10 mb", "1,000,000 characters", "missing", "symbolic link loop",
                "turtle", "rdf/xml", "external entity", "entity expansion", "json-ld context", "malformed sparql",
                "update", "service", "injection", "locked", "not a store", "busy port", "kill -9", "ctrl-c"):
        assert cls in named, f"the Bad input table has no row for {cls!r}"


def test_rows_checked_elsewhere_name_tests_that_exist() -> None:
    """A row not run here names the test that checks it; that test must exist (so the pointer cannot go stale)."""
    root = Path(__file__).resolve().parents[2]
    for command, where in ELSEWHERE.items():
        for ref in re.findall(r"(tests/[\w/]+\.py)(?:::(\w+))?", where):
            path, func = ref
            assert (root / path).exists(), f"{command}: {path} does not exist"
            if func:
                assert f"def {func}(" in (root / path).read_text(encoding="utf-8"), f"{command}: no {path}::{func}"


def update_readme() -> int:
    """Rewrite the outputs of the README's console blocks with what the commands print now (after a change that
    moves them on purpose, e.g. retrained weights): ``python tests/core/test_readme.py --update``. Review the diff."""
    import tempfile

    from kg.cli import app

    text = readme_text()
    blocks = [b for b in console_blocks(text) if SHARED.exists() or not b.needs_shared]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "repo"
        work.mkdir()
        (work / "seeds").symlink_to(REPO / "seeds")
        (work / ".venv").symlink_to(Path(sys.prefix))
        if SHARED.exists():
            (Path(tmp) / "shared").symlink_to(SHARED)
        res = CliRunner().invoke(app, ["--store", str(work / ".kg" / "demo-store"), "demo"])
        assert res.exit_code == 0, res.stderr
        runs = run_blocks(blocks, work)
    fences = {line: m for lang, line, m in fenced_blocks(text) if lang == "console"}
    lines = text.split("\n")
    for block, results in sorted(zip(blocks, runs, strict=True), key=lambda x: -x[0].line):
        body = fences[block.line]
        new = "".join(f"$ {ex.command}\n" + (out + "\n" if out else "")
                      for ex, (out, _rc) in zip(block.examples, results, strict=True))
        start = block.line  # the line after the opening fence (0-based index of the body's first line)
        n = body.count("\n")
        lines[start:start + n] = new.rstrip("\n").split("\n")
    README.write_text("\n".join(lines), encoding="utf-8")
    print(f"rewrote the output of {len(blocks)} console block(s) in {README}")
    return 0


if __name__ == "__main__" and sys.argv[1:] == ["--update"]:
    sys.exit(update_readme())
