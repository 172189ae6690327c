"""pytest fixtures for tests that need the devchain (mark them ``@pytest.mark.chain``).

Register with ``pytest_plugins = ["scripts.devchain.pytest_plugin"]`` in the root conftest, or import
the fixtures into a package's conftest. `devchain` is session-scoped: one node for the whole run,
stopped (then killed if needed) on teardown even when tests fail. `devchain_clean` wraps one test in
an EVM snapshot and reverts it afterwards, so a test's transactions do not leak into the next one.
`devchain_private` is a chain of the test's own, for tests that kill or restart the node.
Without Node.js or the npm packages the fixtures skip with the reason, unless CI=true, where
missing dependencies fail the test instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from scripts.devchain.artifacts import missing_dependencies
from scripts.devchain.chain import Devchain, start_devchain

__all__ = ["devchain", "devchain_clean", "devchain_private", "require_devchain_dependencies"]


def require_devchain_dependencies() -> None:
    """Skip (or fail under CI=true) when node or the devchain's npm packages are absent."""
    missing = missing_dependencies()
    if not missing:
        return
    message = "devchain dependencies missing (install: `npm ci --prefix scripts/devchain`): " + "; ".join(missing)
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def devchain() -> Iterator[Devchain]:
    """A running, seeded devchain (rpc_url, w3, deployment, accounts), shared by the session."""
    require_devchain_dependencies()
    with start_devchain() as chain:
        yield chain


@pytest.fixture
def devchain_private() -> Iterator[Devchain]:
    """A devchain of the test's own (2-5 s to start): for tests that kill or restart the node."""
    require_devchain_dependencies()
    with start_devchain() as chain:
        yield chain


@pytest.fixture
def devchain_clean(devchain: Devchain) -> Iterator[Devchain]:
    """The session devchain, reverted to its state before the test when the test ends."""
    snapshot = devchain.rpc.snapshot()
    try:
        yield devchain
    finally:
        devchain.rpc.revert(snapshot)
