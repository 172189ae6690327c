"""Fixtures of the fault tests: the shipped dataset in a pool events DB, a few real axons, wallets."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.bench_round import DATA, validator_cli
from scripts.devchain.pytest_plugin import devchain, devchain_clean, devchain_private
from tests.faults._support import BEHAVIOURS
from tests.support.axon_farm import AxonFarm
from tests.support.bt_local import make_wallet

__all__ = ["devchain", "devchain_clean", "devchain_private"]


@pytest.fixture(scope="session")
def events_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The shipped devchain dataset (two pools, ~500 blocks) in a SQLite pool events DB."""
    url = f"sqlite://{tmp_path_factory.mktemp('events') / 'pool_events.sqlite3'}"
    validator_cli("--pool-events-db-url", url, "pool-events", "import", "--from-csv", str(DATA))
    return url


@pytest.fixture(scope="session")
def farm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AxonFarm]:
    """Seven real axons in one process: four sensible, one holding, one refusing, one over-allocating."""
    with AxonFarm(tmp_path_factory.mktemp("farm"), BEHAVIOURS, processes=1) as running:
        yield running


@pytest.fixture(scope="session")
def wallets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("wallets")
    make_wallet(root, "validator")
    return root


@pytest.fixture
def miners_file(farm: AxonFarm, tmp_path: Path) -> Path:
    return farm.write_miners_file(tmp_path / "miners.json")
