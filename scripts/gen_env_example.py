"""Regenerate .env.example from ValidatorSettings: `python -m scripts.gen_env_example`.

Every settings field gets a commented block (description, flag, variable, default), so the file can
never lag behind the code; tests/validator/test_config.py checks it.
"""

from __future__ import annotations

from pathlib import Path

from common.settings_cli import env_name_of, flag_of
from validator.config import ValidatorSettings

HEADER = [
    "# SN98 ForeverMoney validator settings. Copy to .env and edit; precedence is",
    "# CLI flags > environment variables > this file > built-in defaults.",
    "# Every variable below also exists as a flag of `python -m validator` (see --help).",
    "# Lines starting with '#' show the default; uncomment to change.",
    "",
]


def render() -> str:
    lines = list(HEADER)
    for name, info in ValidatorSettings.model_fields.items():
        default = info.get_default(call_default_factory=True)
        if isinstance(default, list):
            default = ",".join(map(str, default))
        elif isinstance(default, bool):
            default = str(default).lower()
        elif default is None:
            default = ""
        lines.append(f"# {info.description} (flag {flag_of(name, info)})")
        if name == "rpc_urls":
            lines.append("# Comma-separated; keys inside URLs are never logged.")
        lines.append(f"# {env_name_of(ValidatorSettings, name)}={default}")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    target = Path(__file__).resolve().parent.parent / ".env.example"
    target.write_text(render(), encoding="utf-8")
    print(f"wrote {target}")
