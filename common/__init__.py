"""Operator plumbing shared by the validator and the miner: settings flags and logging.

Imports nothing of ours, so both entry points can use it without depending on each other.
"""
