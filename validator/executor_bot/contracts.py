"""The bot's web3 handles: NonfungiblePositionManager, SwapRouter, pools and ERC-20s.

ABI fragments in ``abis/`` are copied from the published npm artifacts (@uniswap/v3-periphery 1.x,
@uniswap/v3-core 1.0.1) and a standard ERC-20; only the functions the bot calls are kept.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from web3 import AsyncWeb3
from web3.providers.async_base import AsyncBaseProvider
from web3.contract import AsyncContract

ABI_DIR = Path(__file__).resolve().parent / "abis"
TRANSFER_TOPIC = "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"


@cache
def abi(name: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads((ABI_DIR / f"{name}.json").read_text())
    return data


Web3Handle = AsyncWeb3[AsyncBaseProvider]


def contract(w3: Web3Handle, name: str, address: str) -> AsyncContract:
    return w3.eth.contract(address=AsyncWeb3.to_checksum_address(address), abi=abi(name))


def minted_token_ids(receipt: Any, npm: str, owner: str) -> list[int]:
    """Token ids the NPM minted to ``owner`` in a receipt (ERC-721 ``Transfer`` from the zero address)."""
    ids = []
    for log in receipt["logs"]:
        topics = [bytes(t).hex().removeprefix("0x") for t in log["topics"]]
        if (log["address"].lower() == npm.lower() and len(topics) == 4 and topics[0] == TRANSFER_TOPIC
                and int(topics[1], 16) == 0 and int(topics[2], 16) == int(owner, 16)):
            ids.append(int(topics[3], 16))
    return ids
