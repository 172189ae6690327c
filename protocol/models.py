"""Plain pydantic models carried inside `RebalanceQuery` (SN98 mainnet wire format).

Class names, field names, types and defaults follow SN98 mainnet's `protocol/models.py`
and `protocol/synapses.py`: they are the JSON the validator and the miners exchange, and an
old mainnet miner must keep working against this validator. Nothing here imports bittensor,
so miners, tools and the validator can use these models without loading it.

Token amounts travel as decimal strings of raw token units (uint256 values do not fit in a
JSON number that every client parses exactly). Ticks are Uniswap V3 ticks.

Deliberate difference from mainnet: mainnet's `Position` also enforces `tick_upper >
tick_lower` and `0 <= confidence <= 1` at construction. Here those rules live in
`protocol.validation`, so that a miner's bad position is reported with a precise reason
(`LOWER_NOT_BELOW_UPPER`, `BAD_CONFIDENCE`, ...) instead of making the whole response
unparseable. Integers and strings are strict (a JSON `true` is not a tick, a JSON number is
not an amount string), which every well-formed mainnet answer already satisfies.
"""

from pydantic import BaseModel, Field, StrictFloat, StrictInt, StrictStr


class Position(BaseModel):
    """One concentrated-liquidity position: a tick range and the tokens put into it.

    `allocation0` / `allocation1` are raw token units (wei-like integers) as decimal
    strings, e.g. `"1500000000000000000"`. `confidence` is the miner's optional
    self-reported confidence in [0, 1]; the validator records it and does not score it.
    """

    tick_lower: StrictInt = Field(..., description="Lower tick bound")
    tick_upper: StrictInt = Field(..., description="Upper tick bound")
    allocation0: StrictStr = Field(
        ..., description="Amount of token0 to allocate (raw units, decimal string)"
    )
    allocation1: StrictStr = Field(
        ..., description="Amount of token1 to allocate (raw units, decimal string)"
    )
    confidence: StrictFloat | None = Field(None, description="Confidence score (0-1)")


class Inventory(BaseModel):
    """Idle tokens available for new positions, raw token units as decimal strings.

    On mainnet the synapse declares `inventory_remaining` as a plain dict; this model
    serializes to exactly that dict (`{"amount0": "...", "amount1": "..."}`).
    """

    amount0: StrictStr = Field(..., description="Amount of token0 in raw units")
    amount1: StrictStr = Field(..., description="Amount of token1 in raw units")


class MinerMetadata(BaseModel):
    """What the miner says about itself; informational, never scored."""

    version: StrictStr = Field(..., description="Miner version")
    model_info: StrictStr = Field(..., description="Model description")
