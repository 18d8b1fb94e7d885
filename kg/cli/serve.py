"""``kg serve``: share the local store with a team through an Oxigraph SPARQL server (thin; see :mod:`kg.server`)."""

from __future__ import annotations

import signal
from typing import Annotated

import typer

from kg.cli import handle_errors, info, settings


def register(app: typer.Typer, only: str | None = None) -> None:
    """Attach ``kg serve`` to ``app`` (``only`` names it or is None)."""

    @app.command("serve")
    @handle_errors
    def serve(
        ctx: typer.Context,
        bind: Annotated[str, typer.Option("--bind", help="HOST:PORT to listen on.")] = "127.0.0.1:7878",
    ) -> None:
        """Serve the --store directory over SPARQL 1.1 (query, update, Graph Store Protocol) until interrupted.

        Other kg commands then use it with --store http://HOST:PORT. The server holds the store's lock while it runs.
        """
        from kg.errors import StoreError
        from kg.server import OxigraphServer
        from kg.store import default_location

        location = settings(ctx).store or default_location()
        if location.startswith(("http://", "https://")):
            raise StoreError("kg serve serves a local store directory; --store is already a server URL")
        server = OxigraphServer(location, bind=bind)
        # `kill` of kg serve stops the server too, whenever it comes: the handler is in place before the child
        # starts, and everything after is inside the try, so no signal leaves an orphan holding the store's lock
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            server.start()
            info(ctx, f"serving {location} at {server.url} (SPARQL at {server.url}/query); "
                      f"use: kg --store {server.url} ...; Ctrl-C stops")
            code = server.wait()
        except KeyboardInterrupt:
            code = 0
        finally:
            server.stop()
        if code:
            raise typer.Exit(code=code)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
