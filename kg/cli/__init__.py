"""The ``kg`` command line: a thin typer front end.

Each command parses its options and calls one public function of the package; data goes to stdout, messages to
stderr. A :class:`~kg.errors.KgError` becomes one line on stderr and a non-zero exit. Commands are grouped in
submodules (``core``, ``merge``, ``viz``, ``serve``, ``quality``), each registering its commands on an app built by
:func:`build_app`. Start-up is kept short: :func:`main` registers only the command on the command line (typer
converts every registered function at run time), and heavy libraries (spaCy, networkx, matplotlib) are imported
inside the commands that need them, so commands that only read the store start fast. ``kg.cli.app`` is the full app,
built on first access.
"""

from __future__ import annotations

import functools
import importlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

import typer

from kg.errors import KgError


@dataclass
class Settings:
    """Global options, shared with every command through ``ctx.obj``."""

    store: str | None = None
    quiet: bool = False


def settings(ctx: typer.Context) -> Settings:
    """The global options of this invocation."""
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Settings) else Settings()


def info(ctx: typer.Context, message: str) -> None:
    """A message for the user (stderr), silenced by ``--quiet``."""
    if not settings(ctx).quiet:
        typer.echo(message, err=True)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print a one-line error to stderr and return the Exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=code)


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a command so a KgError becomes a one-line message and its exit code (also under CliRunner)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except KgError as err:
            raise fail(str(err), err.exit_code) from None

    return wrapper


def _global(
    ctx: typer.Context,
    store: Annotated[
        str | None,
        typer.Option("--store", envvar="KG_STORE", help="Store directory, or http(s):// SPARQL endpoint. "
                     "Default: .kg/store in the current directory."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only errors on stderr.")] = False,
) -> None:
    ctx.obj = Settings(store=store, quiet=quiet)


#: Every command and the submodule that registers it (``register(app, only=NAME)`` in ``kg.cli.<module>``).
COMMANDS: dict[str, str] = {
    "ingest": "core", "extract": "core", "query": "core", "queries": "core", "export": "core",
    "validate": "core", "stats": "core", "remove": "core", "demo": "core",
    "merge": "merge", "unmerge": "merge", "relink": "merge", "unlink": "merge", "conflicts": "merge",
    "viz": "viz", "serve": "serve", "eval": "quality",
}
#: Global options that take a value (skipped when looking for the command name on the command line).
_VALUED_OPTIONS = frozenset({"--store"})


def build_app(only: str | None = None) -> typer.Typer:
    """The typer app with every command, or with command ``only`` alone.

    typer turns each registered function into a click command (signature, type hints, help) when the app runs, so
    ``main`` registers just the command on the command line: ``kg query`` does not pay for the other fourteen.
    """
    application = typer.Typer(
        name="kg",
        help="Build a knowledge graph of companies, AI models, investments and programs from news text.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    application.callback()(_global)
    modules = [COMMANDS[only]] if only in COMMANDS else list(dict.fromkeys(COMMANDS.values()))
    for name in modules:
        module = importlib.import_module(f"kg.cli.{name}")
        module.register(application, only=only if only in COMMANDS else None)
    return application


def command_name(argv: list[str]) -> str | None:
    """The command named on a command line (after the global options), or None (help, a typo, nothing).

    >>> command_name(["--store", "s", "-q", "query", "organizations"]), command_name(["--help"])
    ('query', None)
    """
    i = 0
    while i < len(argv):
        tok = argv[i]
        if tok in _VALUED_OPTIONS:
            i += 2
            continue
        if tok.startswith("-"):
            if tok.split("=", 1)[0] in _VALUED_OPTIONS or tok in ("-q", "--quiet"):
                i += 1
                continue
            return None
        return tok if tok in COMMANDS else None
    return None


def __getattr__(name: str) -> Any:
    """``kg.cli.app``: the full app, built on first use (tests, docs, ``typer`` tooling)."""
    if name == "app":
        full = build_app()
        globals()["app"] = full
        return full
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """Console entry point: run the app, turning KgError into one line on stderr."""
    try:
        application = build_app(command_name(sys.argv[1:]))
        code = application(standalone_mode=False)  # click returns (not raises) a typer.Exit's code in this mode
        if code == 130:  # typer turns Ctrl-C (KeyboardInterrupt) into a silent Exit(130)
            typer.echo("interrupted", err=True)
        if isinstance(code, int) and code:
            sys.exit(code)
    except KgError as err:
        typer.echo(f"error: {err}", err=True)
        sys.exit(err.exit_code)
    except typer.Exit as ex:
        sys.exit(ex.exit_code)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as err:  # click usage errors and the like
        # usage errors: click's, or those of the click copy newer typer versions bundle (typer._click)
        if callable(getattr(err, "show", None)) and isinstance(getattr(err, "exit_code", None), int):
            err.show()
            sys.exit(err.exit_code)
        raise
