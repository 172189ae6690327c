// pm2 ecosystem for SN98 ForeverMoney: validator, miner and one indexer per pool.
//
//   pm2 start scripts/ops/ecosystem.config.js --only sn98-validator
//   pm2 start scripts/ops/ecosystem.config.js --only sn98-miner
//   SN98_INDEXER_POOL=0x... pm2 start scripts/ops/ecosystem.config.js --only sn98-indexer
//   pm2 save && pm2 startup        # start them again at boot
//
// Every process runs the project's own virtualenv python with `-m` from the repository root, so each
// reads its settings from flags below, the environment, then `.env` in the repository root
// (SN98_* for the validator and indexer, SN98_MINER_* for the miner; see .env.example and
// miner/.env.example). pm2 stops a process with SIGINT and, by default, kills it 1.6 s later:
// kill_timeout gives each one the time its graceful stop needs (validator: shutdown_grace_seconds,
// 30 s by default, plus closing the databases; indexer: the RPC window in flight).

const path = require("path");

const ROOT = path.resolve(__dirname, "..", "..");
const PYTHON = path.join(ROOT, ".venv", "bin", "python");

function app(name, args, killTimeoutMs, extraEnv = {}) {
  return {
    name,
    cwd: ROOT,
    script: PYTHON,
    args,
    interpreter: "none",
    env: { PYTHONUNBUFFERED: "1", ...extraEnv },
    kill_timeout: killTimeoutMs,
    autorestart: true,
    exp_backoff_restart_delay: 1000,
    max_memory_restart: "4G",
    time: true,
    merge_logs: true,
  };
}

module.exports = {
  apps: [
    app("sn98-validator", ["-m", "validator"], 60000),
    app("sn98-miner", ["-m", "miner"], 30000),
    app("sn98-indexer", ["-m", "validator", "indexer", "--pool-address",
                         process.env.SN98_INDEXER_POOL || "SET_SN98_INDEXER_POOL"], 90000),
  ],
};
