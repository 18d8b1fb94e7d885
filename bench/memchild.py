"""Child process of the memory benchmark: ingest a JSONL corpus with a stub extractor, print peak RSS as JSON.

The stub stands in for spaCy (which would take hours for 10k documents on two cores): it returns the synthetic facts
each generated text was made from, so everything else is the real path: streaming the corpus with
:func:`kg.corpus.iter_sources`, :func:`kg.ingest.ingest` (skip check, facts_to_quads, batched writes) into a store.
"""

from __future__ import annotations

import json
import sys
import time
import types
from collections.abc import Iterable, Iterator
from pathlib import Path

from bench import synthetic
from bench.suite import max_rss_mb


def _stub() -> types.ModuleType:
    mod = types.ModuleType("kg.extract")

    def extract_many(texts: Iterable[str], **_: object) -> Iterator[object]:
        for t in texts:
            yield synthetic.stub_facts(t)

    mod.load_pipeline = lambda model=None: "stub"  # type: ignore[attr-defined]
    mod.extractor_version = lambda nlp: synthetic.EXTRACTOR  # type: ignore[attr-defined]
    mod.extract_many = extract_many  # type: ignore[attr-defined]
    mod.extract = lambda text, **_: synthetic.stub_facts(text)  # type: ignore[attr-defined]
    return mod


def main(corpus: str, store_dir: str) -> None:
    sys.modules["kg.extract"] = _stub()
    from kg.corpus import iter_sources
    from kg.ingest import ingest
    from kg.store import LocalStore

    t = time.perf_counter()
    with LocalStore(Path(store_dir)) as store:
        report = ingest(store, iter_sources([Path(corpus)]))
    elapsed = time.perf_counter() - t
    print(json.dumps({"documents": report.documents, "quads": report.quads, "max_rss_mb": max_rss_mb(),
                      "docs_per_s": report.documents / elapsed}))


def bare(nquads: str, store_dir: str, docs_per_call: int) -> None:
    """The baseline: pyoxigraph alone bulk loading the same documents' quads (one graph per document, in file
    order), ``docs_per_call`` documents per call as kg's writer batches them; no kg code on the path."""
    import pyoxigraph as ox

    store = ox.Store(store_dir)
    block: list[bytes] = []
    graphs, last, docs = 0, b"", 0
    with open(nquads, "rb") as fh:
        for line in fh:
            graph = line.rstrip()[:-1].rstrip().rsplit(b" ", 1)[-1]
            if graph != last:
                last, graphs, docs = graph, graphs + 1, docs + 1
                if graphs > docs_per_call:
                    store.bulk_load(input=b"".join(block), format=ox.RdfFormat.N_QUADS)
                    block, graphs = [], 1
            block.append(line)
    if block:
        store.bulk_load(input=b"".join(block), format=ox.RdfFormat.N_QUADS)
    store.flush()
    print(json.dumps({"documents": docs, "max_rss_mb": max_rss_mb()}))


if __name__ == "__main__":
    if sys.argv[1] == "--bare":
        bare(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        main(sys.argv[1], sys.argv[2])
