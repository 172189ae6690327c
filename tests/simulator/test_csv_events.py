"""Reading event CSVs: both layouts of the shared data, and clear errors for malformed rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.csv_events import read_event_tables, read_pool_history, read_tick_log
from simulator.errors import EventFormatError, EventSourceError
from simulator.events import BurnEvent, CollectEvent, FeeProtocolChange, MintEvent, SwapEvent

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
DAY1 = DATA / "uniswap-v3-mainnet-day1"
TICK_LOGS = DATA / "ethereum-2024-01-05"
USDC_WETH = "0x8ad599c3a0ff1de082011efddc58f1908eb6e6d8"
needs_data = pytest.mark.skipif(not DAY1.is_dir(), reason=f"shared event data not found at {DATA}")

HEADERS = {
    "factory_pool_created.csv": "chain_name,block_timestamp,block_number,transaction_hash,log_index,token0,token1,fee,tickSpacing,pool",
    "pool_initialize_events.csv": "chain_name,address,block_timestamp,block_number,transaction_hash,log_index,sqrtPriceX96,tick",
    "pool_mint_burn_events.csv": "chain_name,address,block_timestamp,block_number,transaction_hash,log_index,amount,amount0,amount1,owner,tick_lower,tick_upper,type_of_event",
    "pool_swap_events.csv": "chain_name,address,block_timestamp,block_number,transaction_hash,log_index,sender,recipient,amount0,amount1,sqrtPriceX96,liquidity,tick",
}
POOL = "0x00000000000000000000000000000000000000aa"
TS = "2021-05-04 19:52:36.000000Z"


def write_folder(folder: Path, rows: dict[str, list[str]]) -> Path:
    for name, header in HEADERS.items():
        (folder / name).write_text("\n".join([header, *rows.get(name, [])]) + "\n")
    return folder


def minimal_rows() -> dict[str, list[str]]:
    return {
        "factory_pool_created.csv": [f'"ethereum",{TS},100,"0xt1",1,"0xA","0xB","3000","60","{POOL}"'],
        "pool_initialize_events.csv": [f'"ethereum","{POOL}",{TS},100,"0xt1",2,"79228162514264337593543950336","0"'],
        "pool_mint_burn_events.csv": [f'"ethereum","{POOL}",{TS},101,"0xt2",3,"1000","5","5","0xOwner","-60","60",1'],
        "pool_swap_events.csv": [f'"ethereum","{POOL}",{TS},102,"0xt3",4,"0xs","0xr","3","-2","79228162514264337593543950000","1000","-1"'],
    }


@needs_data
def test_day1_folder_has_the_documented_counts() -> None:
    histories = read_event_tables(DAY1)
    events = [e for h in histories.values() for e in h.events]
    assert len(histories) == 168
    assert sum(h.initialize is not None for h in histories.values()) == 165
    assert sum(isinstance(e, SwapEvent) for e in events) == 1001
    assert sum(isinstance(e, (MintEvent, BurnEvent)) for e in events) == 987


@needs_data
def test_day1_pool_metadata_and_order() -> None:
    history = read_pool_history(DAY1, USDC_WETH.upper().replace("0X", "0x"))
    meta = history.metadata
    assert (meta.fee, meta.tick_spacing, meta.creation_block) == (3000, 60, 12370624)
    assert meta.token0 == "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"
    keys = [(e.block_number, e.log_index) for e in history.events]
    assert keys == sorted(keys)
    assert history.initialize is not None and history.initialize.timestamp > 1_620_000_000


@needs_data
def test_tick_log_layout_reads_swaps_mints_burns_and_collects() -> None:
    history = read_pool_history(TICK_LOGS, USDC_WETH)
    kinds = [type(e) for e in history.events]
    assert (kinds.count(SwapEvent), kinds.count(MintEvent), kinds.count(BurnEvent), kinds.count(CollectEvent)) == (
        267, 4, 17, 16,
    )  # fmt: skip
    swap = history.events[0]
    assert isinstance(swap, SwapEvent) and swap.tick == 199032 and swap.liquidity == 5876290753422535546
    assert history.initialize is None and history.metadata.fee is None


def test_minimal_folder_parses_quoted_fields_and_z_timestamps(tmp_path: Path) -> None:
    history = read_pool_history(write_folder(tmp_path, minimal_rows()), POOL)
    mint, swap = history.events
    assert isinstance(mint, MintEvent) and (mint.owner, mint.tick_lower, mint.liquidity) == ("0xowner", -60, 1000)
    assert isinstance(swap, SwapEvent) and (swap.amount0, swap.amount1, swap.tick) == (3, -2, -1)
    assert swap.timestamp == 1620157956


def test_optional_fee_protocol_file_is_read(tmp_path: Path) -> None:
    folder = write_folder(tmp_path, minimal_rows())
    (folder / "pool_set_fee_protocol_events.csv").write_text(
        "chain_name,address,block_timestamp,block_number,transaction_hash,log_index,"
        "feeProtocol0Old,feeProtocol1Old,feeProtocol0New,feeProtocol1New\n"
        f'"ethereum","{POOL}",{TS},101,"0xt9",1,0,0,4,5\n'
    )
    changes = [e for e in read_pool_history(folder, POOL).events if isinstance(e, FeeProtocolChange)]
    assert [(c.fee_protocol0, c.fee_protocol1) for c in changes] == [(4, 5)]


def test_non_integer_amount_names_file_and_line(tmp_path: Path) -> None:
    rows = minimal_rows()
    rows["pool_swap_events.csv"].append(rows["pool_swap_events.csv"][0].replace('"3"', '"3.5"'))
    with pytest.raises(EventFormatError) as info:
        read_pool_history(write_folder(tmp_path, rows), POOL)
    assert info.value.path.endswith("pool_swap_events.csv") and info.value.line == 3
    assert "amount0" in str(info.value) and "3.5" in str(info.value)


def test_unknown_mint_burn_type_is_rejected(tmp_path: Path) -> None:
    rows = minimal_rows()
    rows["pool_mint_burn_events.csv"] = [rows["pool_mint_burn_events.csv"][0].replace(",1", ",0")]
    with pytest.raises(EventFormatError, match="type_of_event"):
        read_pool_history(write_folder(tmp_path, rows), POOL)


def test_missing_column_is_named(tmp_path: Path) -> None:
    folder = write_folder(tmp_path, minimal_rows())
    swaps = folder / "pool_swap_events.csv"
    swaps.write_text(swaps.read_text().replace(",tick\n", ",tock\n", 1))
    with pytest.raises(EventFormatError, match="'tick'"):
        read_pool_history(folder, POOL)


def test_bad_timestamp_is_rejected(tmp_path: Path) -> None:
    rows = minimal_rows()
    rows["pool_swap_events.csv"] = [rows["pool_swap_events.csv"][0].replace(TS, "yesterday")]
    with pytest.raises(EventFormatError, match="timestamp"):
        read_pool_history(write_folder(tmp_path, rows), POOL)


def test_tick_log_float_ticks_are_accepted_and_fractions_rejected(tmp_path: Path) -> None:
    header = ("block_number,block_timestamp,tx_type,transaction_hash,tx_index,log_index,sender,receipt,amount0,"
              "amount1,total_liquidity,total_liquidity_delta,sqrtPriceX96,current_tick,tick_lower,tick_upper,liquidity")  # fmt: skip
    good = "5,2024-01-05 01:50:11,SWAP,0xt,1,7,0xs,0xr,-1,2,100,0,79228162514264337593543950336,28444.0,,,"
    path = tmp_path / f"ethereum-{POOL}-2024-01-05.pool.tick.csv"
    path.write_text(f"{header}\n{good}\n")
    swap = read_tick_log(path).events[0]
    assert isinstance(swap, SwapEvent) and swap.tick == 28444 and swap.pool == POOL
    path.write_text(f"{header}\n{good.replace('28444.0', '28444.5')}\n")
    with pytest.raises(EventFormatError, match="current_tick"):
        read_tick_log(path)
    path.write_text(f"{header}\n{good.replace('SWAP', 'FLASH')}\n")
    with pytest.raises(EventFormatError, match="FLASH"):
        read_tick_log(path)


def test_missing_folder_or_pool_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(EventSourceError):
        read_pool_history(tmp_path / "absent", POOL)
    with pytest.raises(EventSourceError):
        read_pool_history(write_folder(tmp_path, minimal_rows()), "0x" + "b" * 40)
