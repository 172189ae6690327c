// Hardhat 2 network for the SN98 devchain: a Base-like chain (chain id 8453) on loopback.
// Nothing is compiled here: contracts come as registry artifacts (Uniswap, WETH9) or from
// contracts/build (our own, compiled by contracts/compile.js with solc-js 0.7.6).
const accountCount = Number(process.env.DEVCHAIN_ACCOUNTS || "20");

module.exports = {
  solidity: "0.7.6",
  paths: { sources: "./contracts/none", artifacts: "./.hardhat-artifacts", cache: "./.hardhat-cache" },
  networks: {
    hardhat: {
      chainId: 8453,
      hardfork: "cancun",
      allowUnlimitedContractSize: false,
      initialBaseFeePerGas: 0,
      blockGasLimit: 60000000,
      mining: { auto: true, interval: 0 },
      accounts: {
        mnemonic: "test test test test test test test test test test test junk",
        count: accountCount,
        accountsBalance: "1000000000000000000000000000",
      },
      loggingEnabled: false,
    },
  },
};
