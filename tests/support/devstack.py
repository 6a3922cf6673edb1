"""Moved: `make dev` is `tests/support/localstack/` (`python -m tests.support.localstack`).

Kept for the names other modules import (samconfig.toml's checks, tests/sam).
"""

from __future__ import annotations

import sys

from tests.support.localstack import DEV_BUCKET, DEV_JWT_SECRET, DEV_ORIGIN
from tests.support.localstack.stack import main

__all__ = ["DEV_BUCKET", "DEV_JWT_SECRET", "DEV_ORIGIN", "main"]

if __name__ == "__main__":
    sys.exit(main())
