"""The ``kg`` command line: a thin typer front end.

Each command parses its options and calls one public function of the package; data goes to stdout, messages to
stderr. A :class:`~kg.errors.KgError` becomes one line on stderr and a non-zero exit. Commands are grouped in
submodules (``core``, ``merge``, ``viz``, ``serve``), each registering its commands on :data:`app`. Heavy
libraries (spaCy, networkx, matplotlib) are imported inside the commands that need them, so commands that only read
the store start fast.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

import typer

from kg.errors import KgError

app = typer.Typer(
    name="kg",
    help="Build a knowledge graph of companies, AI models, investments and programs from news text.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@dataclass
class Settings:
    """Global options, shared with every command through ``ctx.obj``."""

    store: str | None = None
    quiet: bool = False


@app.callback()
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


def _register() -> None:
    from kg.cli import core

    core.register(app)
    for name in ("merge", "viz", "serve"):
        try:
            module = __import__(f"kg.cli.{name}", fromlist=["register"])
        except ModuleNotFoundError as err:  # a command group not built yet
            if err.name != f"kg.cli.{name}":
                raise
            continue
        module.register(app)


_register()


def main() -> None:
    """Console entry point: run the app, turning KgError into one line on stderr."""
    try:
        code = app(standalone_mode=False)  # click returns (not raises) a typer.Exit's code in this mode
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
