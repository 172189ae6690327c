"""Entry point of ``python -m validator``."""

from validator.cli import main

raise SystemExit(main())
