"""``kg serve``: share the local store with a team over SPARQL 1.1 (thin; the server is :class:`kg.server.KgServer`).

Closed by default: read-only, same-origin only and offline. ``--allow-update`` accepts writes that carry the bearer
token (``$KG_TOKEN``, else one generated and printed at start); ``--cors ORIGIN`` lets a named web page in;
``--allow-service`` lets queries federate with SERVICE (and updates LOAD).
"""

from __future__ import annotations

import os
import secrets
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
        allow_update: Annotated[bool, typer.Option(
            "--allow-update", help="Accept writes (SPARQL UPDATE, Graph Store PUT/POST/DELETE) that carry the token: "
                                   "$KG_TOKEN, else one generated and printed here.")] = False,
        cors: Annotated[list[str] | None, typer.Option(
            "--cors", metavar="ORIGIN", help="Let web pages from ORIGIN (e.g. http://localhost:3000) use the server "
                                             "(repeatable); other cross-origin requests are refused.")] = None,
        allow_service: Annotated[bool, typer.Option(
            "--allow-service", help="Let queries use SERVICE (federation) and updates LOAD: the server then "
                                    "makes outbound requests.")] = False,
    ) -> None:
        """Serve the --store directory over SPARQL 1.1 (query; with --allow-update also update and Graph Store
        writes) until interrupted.

        Other kg commands then use it with --store http://HOST:PORT (writes send $KG_TOKEN). The server holds the
        store's lock while it runs.
        """
        from kg.errors import StoreError
        from kg.server import TOKEN_ENV, KgServer, Policy, _parse_bind
        from kg.store import default_location

        location = settings(ctx).store or default_location()
        if location.startswith(("http://", "https://")):
            raise StoreError("kg serve serves a local store directory; --store is already a server URL")
        token: str | None = None
        if allow_update:
            token = os.environ.get(TOKEN_ENV) or None
            if token is not None and len(token) < 16:
                raise StoreError(f"${TOKEN_ENV} is too short for a write token (at least 16 characters)")
        generated = allow_update and token is None
        if generated:
            token = secrets.token_urlsafe(32)
        host, _port = _parse_bind(bind)
        policy = Policy(host=host, allow_update=allow_update, token=token, cors=tuple(cors or ()),
                        allow_service=allow_service)
        server = KgServer(location, bind=bind, policy=policy)
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            server.start()
            if generated:  # printed even with --quiet: without it nobody can write
                typer.echo(f"writes need this token (set {TOKEN_ENV} to it for kg --store {server.url}): "
                           f"Bearer {token}", err=True)
            elif allow_update:
                info(ctx, f"writes need the token in ${TOKEN_ENV} (Authorization: Bearer ...)")
            mode = "read-write with the token" if allow_update else "read-only"
            info(ctx, f"serving {location} at {server.url} ({mode}; SPARQL at {server.url}/query); "
                      f"use: kg --store {server.url} ...; Ctrl-C stops")
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
