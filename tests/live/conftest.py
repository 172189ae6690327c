"""Devchain fixtures for these tests (shared with tests/devchain through the plugin module)."""

from scripts.devchain.pytest_plugin import devchain, devchain_clean

__all__ = ["devchain", "devchain_clean"]
