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


class ExtractionError(KgError):
    """A readable document could not be extracted (the message names it and what failed). In a run over several
    documents it is left out and the others are stored; the run ends with this exit code."""

    exit_code = 8

    @classmethod
    def of(cls, source: str, err: BaseException | str) -> ExtractionError:
        """The report of ``source`` failing with ``err`` (an exception, or its :func:`describe` from a worker).

        >>> str(ExtractionError.of("a.txt", ValueError("bad\\nthing")))
        'a.txt: not extracted (ValueError: bad thing)'
        """
        return cls(f"{source}: not extracted ({err if isinstance(err, str) else describe(err)})")


def describe(err: BaseException) -> str:
    """An exception on one line: its class and message, white space folded, at most 300 characters."""
    text = " ".join(str(err).split())
    what = f"{err.__class__.__name__}: {text}" if text else err.__class__.__name__
    return what if len(what) <= 300 else what[:299] + "…"
