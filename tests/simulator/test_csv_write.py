"""Writing the CSV layout and reading it back gives the same histories, event for event."""

from __future__ import annotations

from pathlib import Path

from simulator.csv_events import read_event_tables
from simulator.csv_write import write_event_tables
from simulator.events import CollectEvent


def test_day1_round_trips_through_the_writer(shared_data: Path, tmp_path: Path) -> None:
    original = read_event_tables(shared_data / "uniswap-v3-mainnet-day1")
    counts = write_event_tables(original.values(), tmp_path)
    again = read_event_tables(tmp_path)
    assert counts["pool_swap_events.csv"] == 1001 and counts["pool_mint_burn_events.csv"] == 987
    assert set(again) == set(original)
    for pool, history in original.items():
        assert again[pool].initialize == history.initialize
        assert again[pool].events == tuple(e for e in history.events if not isinstance(e, CollectEvent))
        assert again[pool].metadata.fee == history.metadata.fee
