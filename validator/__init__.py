"""SN98 ForeverMoney validator daemon (``python -m validator``)."""

__version__ = "0.1.0"
VERSION_KEY = 100
"""``version_key`` sent with weights: major * 10000 + minor * 100 + patch (0.1.0 -> 100)."""
