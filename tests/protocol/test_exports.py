"""The public surface of `protocol` is pinned: a change here is a deliberate API change."""

import subprocess
import sys

import protocol

EXPECTED = {
    "DEFAULT_MAX_POSITIONS",
    "MAX_TICK",
    "MIN_TICK",
    "AnswerContext",
    "AnswerLimits",
    "Decision",
    "InvalidAnswer",
    "InvalidContext",
    "Inventory",
    "Keep",
    "MinerMetadata",
    "Position",
    "PositionSpec",
    "ProtocolError",
    "ReasonCode",
    "Rebalance",
    "RebalanceQuery",
    "Refuse",
    "Rejection",
    "validate_answer",
}


def test_protocol_exports_exactly_the_pinned_names() -> None:
    assert set(protocol.__all__) == EXPECTED
    assert len(protocol.__all__) == len(EXPECTED)


def test_every_exported_name_resolves_from_the_package() -> None:
    for name in protocol.__all__:
        assert getattr(protocol, name) is not None, name
    assert protocol.RebalanceQuery.__name__ == "RebalanceQuery"


def test_models_and_validation_load_without_bittensor_and_the_synapse_loads_it_lazily() -> None:
    code = (
        "import sys\n"
        "import protocol, protocol.models, protocol.validation, protocol.decisions\n"
        "assert 'bittensor' not in sys.modules, 'eager bittensor import'\n"
        "from protocol import RebalanceQuery\n"
        "assert 'bittensor' in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
