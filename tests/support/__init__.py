"""Shared test helpers (real parts on loopback, throw-away wallets)."""
