"""The attribution benchmark; writes docs/benchmarks/attribution.md.

    python benchmarks/attribution.py          (same as: unmask bench attribution --output ...)

See unmask/bench/attribution.py for the protocols and docs/benchmarks/attribution.md for results.
"""

from __future__ import annotations

import sys

from unmask.cli import app

if __name__ == "__main__":
    sys.argv = ["unmask", "bench", "attribution", "--output", "docs/benchmarks/attribution.md", *sys.argv[1:]]
    app()
