// SPDX-License-Identifier: MIT
pragma solidity 0.7.6;

interface IERC20Minimal {
    function transfer(address to, uint256 amount) external returns (bool);
}

interface IPoolActions {
    function token0() external view returns (address);
    function token1() external view returns (address);
    function mint(address recipient, int24 tickLower, int24 tickUpper, uint128 amount, bytes calldata data)
        external
        returns (uint256 amount0, uint256 amount1);
    function swap(
        address recipient,
        bool zeroForOne,
        int256 amountSpecified,
        uint160 sqrtPriceLimitX96,
        bytes calldata data
    ) external returns (int256 amount0, int256 amount1);
}

/// @title PoolActor: pays a Uniswap V3 pool's mint and swap callbacks from its own token balance.
/// @notice Used by the differential tests (pyrevm) and the devchain. Fund it with both tokens, then
/// mint positions for any owner or swap to any recipient. Callbacks only pay the pool being called.
contract PoolActor {
    address private _activePool;

    function mint(address pool, address recipient, int24 tickLower, int24 tickUpper, uint128 amount)
        external
        returns (uint256 amount0, uint256 amount1)
    {
        _activePool = pool;
        (amount0, amount1) = IPoolActions(pool).mint(recipient, tickLower, tickUpper, amount, "");
        _activePool = address(0);
    }

    function swap(
        address pool,
        address recipient,
        bool zeroForOne,
        int256 amountSpecified,
        uint160 sqrtPriceLimitX96
    ) external returns (int256 amount0, int256 amount1) {
        _activePool = pool;
        (amount0, amount1) = IPoolActions(pool).swap(recipient, zeroForOne, amountSpecified, sqrtPriceLimitX96, "");
        _activePool = address(0);
    }

    function uniswapV3MintCallback(uint256 amount0Owed, uint256 amount1Owed, bytes calldata) external {
        _pay(amount0Owed, amount1Owed);
    }

    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata) external {
        _pay(amount0Delta > 0 ? uint256(amount0Delta) : 0, amount1Delta > 0 ? uint256(amount1Delta) : 0);
    }

    function _pay(uint256 amount0, uint256 amount1) private {
        require(msg.sender == _activePool, "PoolActor: unexpected caller");
        if (amount0 > 0) require(IERC20Minimal(IPoolActions(msg.sender).token0()).transfer(msg.sender, amount0));
        if (amount1 > 0) require(IERC20Minimal(IPoolActions(msg.sender).token1()).transfer(msg.sender, amount1));
    }
}
