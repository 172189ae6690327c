"""Logging masks secrets everywhere and writes JSON lines when asked."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from loguru import logger

from common.logs import LogOptions, configure_logging, mask_secrets, register_secret


def test_passwords_in_database_urls_are_masked() -> None:
    masked = mask_secrets("connecting to postgres://validator:s3cr3t-pw@db.internal:5432/jobs")
    assert "s3cr3t-pw" not in masked
    assert "postgres://validator:***@db.internal:5432/jobs" in masked


def test_rpc_keys_in_paths_and_queries_are_masked() -> None:
    alchemy = mask_secrets("rpc https://base-mainnet.g.alchemy.com/v2/AbCdEf0123456789AbCdEf0123 failed")
    assert "AbCdEf0123456789AbCdEf0123" not in alchemy
    assert "base-mainnet.g.alchemy.com" in alchemy
    query = mask_secrets("GET https://rpc.example.org/base?apikey=deadbeefcafe&x=1")
    assert "deadbeefcafe" not in query and "x=1" in query


def test_registered_secrets_are_masked_wherever_they_appear() -> None:
    register_secret("executor-api-key-12345")
    assert "executor-api-key-12345" not in mask_secrets("header X: executor-api-key-12345")


def test_json_file_sink_gets_masked_records_from_loguru_and_stdlib(tmp_path: Path) -> None:
    log_file = tmp_path / "logs" / "validator.log"
    configure_logging(LogOptions(level="INFO", json=True, file=log_file))
    logger.bind(job="job-1", round="r-7").info("opened postgres://v:topsecret@h:5432/db")
    logging.getLogger("tortoise").warning("library says https://x.example/v2/ZZZZZZZZZZZZZZZZZZZZZZZZZZ")
    logger.complete()
    records = [json.loads(line) for line in log_file.read_text().splitlines()]
    assert len(records) == 2
    first = records[0]["record"]
    assert first["extra"] == {"job": "job-1", "round": "r-7"}
    assert "topsecret" not in log_file.read_text()
    assert "ZZZZZZZZZZZZZZZZZZZZZZZZZZ" not in log_file.read_text()
    configure_logging(LogOptions())
