"""SN98 reference miner: an axon answering ``RebalanceQuery`` with a pluggable strategy.

Modules: ``config`` (settings), ``cli`` (``python -m miner``), ``server`` (axon and lifecycle),
``blacklist`` (caller policy and priority), ``metagraph`` (roster refresh), ``refusal`` (jobs it
declines), ``service`` (one query: policy, budget, validated answer), ``view`` (a query as exact ints),
``strategies`` (the interface and the reference strategies), ``backtest`` / ``backtest_cli``
(validator-equivalent offline rounds), ``local_entry`` (static miner list of a local network).
Nothing here imports ``validator``.
"""
