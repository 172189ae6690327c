"""SN98 ForeverMoney validator daemon (``python -m validator``)."""

__version__ = "0.1.0"


def _version_key(version: str) -> int:
    major, minor, patch = (int(part) for part in version.split("."))
    return major * 10000 + minor * 100 + patch


VERSION_KEY = _version_key(__version__)
"""``version_key`` sent with weights: major * 10000 + minor * 100 + patch (0.1.0 -> 100)."""
