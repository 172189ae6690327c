// Starts `hardhat node` with the given arguments and exits when the process that started it is gone
// (its parent pid changes), so a killed test run or CLI never leaves an orphan node behind.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, 250).unref();
const cli = require.resolve("hardhat/internal/cli/cli.js");
process.argv = [process.argv[0], cli, "node", ...process.argv.slice(2)];
require(cli);
