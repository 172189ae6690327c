"""Exception tree of the storage layer: callers catch ``StorageError`` or something narrower."""

from __future__ import annotations


class StorageError(Exception):
    """Base of every error raised by ``db``."""


class DatabaseUrlError(StorageError, ValueError):
    """A database URL is malformed or names an unsupported engine."""


class MigrationError(StorageError):
    """Migrations could not be applied, or the models and migrations disagree."""


class ImportDataError(StorageError, ValueError):
    """Input rows for the pool events database are malformed."""


class CorruptRowError(StorageError, ValueError):
    """A row read back from a database does not have the shape the code requires."""
