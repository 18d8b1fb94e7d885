"""The project's exception hierarchy.

Every error a user can cause derives from :class:`KgError`. Library errors (pyoxigraph's ``SyntaxError`` and
``OSError``, rdflib parser errors, spaCy's ``OSError`` for a missing pipeline) are translated into these at the
module boundary that meets them; the CLI turns a ``KgError`` into one line on stderr and a non-zero exit code.
"""

from __future__ import annotations


class KgError(Exception):
    """Base class of every error kg reports to a user. ``exit_code`` is what the CLI exits with."""

    exit_code: int = 1


class InputError(KgError):
    """A document or corpus cannot be read as text (empty, binary, not UTF-8, too large, missing)."""

    exit_code = 2


class StoreError(KgError):
    """The store cannot be opened or written (path is a file, store locked by another process, I/O)."""

    exit_code = 3


class StoreLockedError(StoreError):
    """Another process holds the store open for writing."""


class QueryError(KgError):
    """A SPARQL query is malformed, unknown, refused (an update without permission) or misses a parameter."""

    exit_code = 4


class RdfSyntaxError(KgError):
    """RDF input (for merge or load) does not parse. The message names the file and line."""

    exit_code = 5


class ModelNotFoundError(KgError):
    """No trained spaCy pipeline is installed (or the one asked for is missing)."""

    exit_code = 6


class ValidationFailed(KgError):
    """SHACL validation found violations."""

    exit_code = 7
