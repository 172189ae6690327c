"""Devchain fixtures for the chain access tests."""

from scripts.devchain.pytest_plugin import devchain, devchain_clean

__all__ = ["devchain", "devchain_clean"]
