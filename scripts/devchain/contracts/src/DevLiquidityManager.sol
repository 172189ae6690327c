// SPDX-License-Identifier: MIT
pragma solidity 0.7.6;

/// @title DevLiquidityManager: answers the read calls SN98's LiquidityManager exposes to validators.
/// @notice Only the reads are real; the owner sets what they return. Validators find the AK token of a
/// pool with akAddressToPoolManager (non-zero = registered), read idle inventory with
/// akToStashedTokens(ak, token) in raw token units, and find positions through
/// akAddressToPositionManager(ak) -> DevPositionManager.tokenIds() / nftManager().
contract DevLiquidityManager {
    address public immutable owner;

    mapping(address => address) public akAddressToPoolManager;
    mapping(address => address) public akAddressToPositionManager;
    mapping(address => mapping(address => uint256)) public akToStashedTokens;

    constructor() {
        owner = msg.sender;
    }

    modifier onlyOwner() {
        require(msg.sender == owner, "DevLiquidityManager: not owner");
        _;
    }

    function registerManagersForAk(address akAddress, address poolManager, address positionManager)
        external
        onlyOwner
    {
        akAddressToPoolManager[akAddress] = poolManager;
        akAddressToPositionManager[akAddress] = positionManager;
    }

    function setStashedTokens(address akAddress, address token, uint256 amount) external onlyOwner {
        akToStashedTokens[akAddress][token] = amount;
    }
}

/// @title DevPositionManager: the per-AK position manager of SN98's LiquidityManager, reads only.
/// @notice Holds NonfungiblePositionManager NFTs (minted with this contract as recipient) and lists
/// their ids; nftManager() is the NonfungiblePositionManager that knows their ranges and liquidity.
contract DevPositionManager {
    address public immutable owner;
    address public immutable nftManager;
    uint256[] private _tokenIds;

    constructor(address nftManager_) {
        owner = msg.sender;
        nftManager = nftManager_;
    }

    function tokenIds() external view returns (uint256[] memory) {
        return _tokenIds;
    }

    function setTokenIds(uint256[] calldata ids) external {
        require(msg.sender == owner, "DevPositionManager: not owner");
        _tokenIds = ids;
    }
}
