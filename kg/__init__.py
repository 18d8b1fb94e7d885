"""kg: knowledge graphs from corporate news.

The package is split into a few modules that each own one concern:

- :mod:`kg.extract` turns text into :class:`kg.facts.Facts` (the only importer of spaCy);
- :mod:`kg.facts` holds the plain, frozen records and their JSON form;
- :mod:`kg.vocab` owns namespaces, prefixes and IRI minting;
- :mod:`kg.rdf` maps facts to RDF quads with provenance;
- :mod:`kg.store` is the only user of ``pyoxigraph.Store`` (and of the remote SPARQL protocol);
- :mod:`kg.queries` loads and runs the canned ``.rq`` files;
- :mod:`kg.merge`, :mod:`kg.validate`, :mod:`kg.graph` (the only importer of networkx);
- :mod:`kg.cli` is the thin typer front end.
"""

__version__ = "0.3.0"
