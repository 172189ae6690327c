"""The chain indexer: a pool's events from the chain into the pool events DB (``python -m validator indexer``)."""

from validator.indexer.indexer import Indexer, IndexerOptions, IndexerReport, run_until_stopped

__all__ = ["Indexer", "IndexerOptions", "IndexerReport", "run_until_stopped"]
