"""Devchain fixtures for these tests (the lead may register scripts.devchain.pytest_plugin globally)."""

from scripts.devchain.pytest_plugin import devchain, devchain_clean, devchain_private

__all__ = ["devchain", "devchain_clean", "devchain_private"]
