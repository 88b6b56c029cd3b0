"""Load and fault runs of the whole bot on loopback: `uv run python bench/load.py [options]`.

The code is the package bench/loadrun/ (its docstring says what runs and what is reported);
`uv run python -m bench.loadrun.cli [options]` is the same command.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/load.py` puts bench/ first, not the project
    sys.path.insert(0, str(ROOT))

from bench.loadrun.cli import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main())
