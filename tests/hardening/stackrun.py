"""`make dev` as the hardening tests run it: the same stack, logging at production levels.

`dev` pins the Lambda's Powertools logger to WARNING to
keep a developer's terminal quiet; production runs it at INFO (template.yaml's
`LogLevel` default). The leak tests must see every line production would
write, so this entry point starts the very same stack with Powertools at INFO
(or `HARDENING_LOG_LEVEL`). The core already logs at INFO (core_service.main)
and uvicorn writes its access log.
"""

from __future__ import annotations

import os
import sys

from dev import stack as local


class HardeningStack(local.LocalStack):
    def _configure_environment(self, database_url: str) -> None:
        super()._configure_environment(database_url)
        os.environ["POWERTOOLS_LOG_LEVEL"] = os.environ.get("HARDENING_LOG_LEVEL", "INFO")
        # As template.yaml sets it: events carry bearer tokens.
        os.environ["POWERTOOLS_LOGGER_LOG_EVENT"] = "false"


if __name__ == "__main__":
    local.LocalStack = HardeningStack  # type: ignore[misc]
    sys.exit(local.main())
