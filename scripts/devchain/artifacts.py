"""Contract artifacts: ABI and creation bytecode from npm packages (Uniswap, WETH9) and from our build.

Uniswap's artifacts come straight from `node_modules` (the registry's published bytecode, never
recompiled); ours from `contracts/build/` (committed output of `contracts/compile.js`).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.devchain.errors import DependencyMissing

__all__ = ["Artifact", "DEVCHAIN_DIR", "NODE_MODULES", "load_artifact", "missing_dependencies"]

DEVCHAIN_DIR = Path(__file__).resolve().parent
NODE_MODULES = DEVCHAIN_DIR / "node_modules"
_BUILD = DEVCHAIN_DIR / "contracts" / "build"
_CORE = NODE_MODULES / "@uniswap" / "v3-core" / "artifacts" / "contracts"
_PERIPHERY = NODE_MODULES / "@uniswap" / "v3-periphery" / "artifacts" / "contracts"

_PATHS: dict[str, Path] = {
    "UniswapV3Factory": _CORE / "UniswapV3Factory.sol" / "UniswapV3Factory.json",
    "UniswapV3Pool": _CORE / "UniswapV3Pool.sol" / "UniswapV3Pool.json",
    "NonfungiblePositionManager": _PERIPHERY
    / "NonfungiblePositionManager.sol"
    / "NonfungiblePositionManager.json",
    "SwapRouter": _PERIPHERY / "SwapRouter.sol" / "SwapRouter.json",
    "WETH9": NODE_MODULES / "canonical-weth" / "build" / "contracts" / "WETH9.json",
    "DevToken": _BUILD / "DevToken.json",
    "DevLiquidityManager": _BUILD / "DevLiquidityManager.json",
    "DevPositionManager": _BUILD / "DevPositionManager.json",
    "PoolActor": _BUILD / "PoolActor.json",
}


@dataclass(frozen=True)
class Artifact:
    """A contract's ABI and creation bytecode (hex string with 0x)."""

    name: str
    abi: list[dict[str, Any]]
    bytecode: str


def load_artifact(name: str) -> Artifact:
    """Load a known artifact by contract name; raise `DependencyMissing` if its package is absent."""
    path = _PATHS[name]
    if not path.is_file():
        raise DependencyMissing(
            f"{path} not found: run `npm ci --prefix scripts/devchain` from the project root"
        )
    data = json.loads(path.read_text())
    bytecode = str(data["bytecode"])
    if not bytecode.startswith("0x"):
        bytecode = "0x" + bytecode
    return Artifact(name=name, abi=list(data["abi"]), bytecode=bytecode)


def missing_dependencies() -> list[str]:
    """What is missing to run the devchain (empty when node, hardhat and all artifacts are there)."""
    missing = [] if shutil.which("node") else ["node (Node.js 20) on PATH"]
    hardhat = NODE_MODULES / "hardhat" / "internal" / "cli" / "cli.js"
    if not hardhat.is_file():
        missing.append(f"{hardhat} (run `npm ci --prefix scripts/devchain`)")
    missing.extend(str(p) for p in _PATHS.values() if not p.is_file())
    return missing
