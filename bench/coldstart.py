"""Cold start: a fresh process importing and initialising the handler, against the floor.

The floor is what any handler on this stack must do: `import fastapi, boto3;
boto3.client('s3')`. Each sample is the wall time from starting a `python -c`
process to its signal that the import and init are done, as a Lambda's init
phase ends; its exit is not timed (an interpreter's teardown is no part of a
cold start, and `gc.freeze()` makes the handler's far cheaper, which would
flatter it). The subjects run in turn, round after round.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable

from bench.env import PYTHON, ROOT
from bench.stats import Bar, Row, Spread, interleaved, ms, ratios

FLOOR = "import fastapi, boto3; boto3.client('s3')"
HANDLER = "import file_lambda.handler"
MINIMAL = "import bench.minimal_handler"
BAR = Bar("<=", 1.15)


_READY = b"ready"


def _timed(code: str, env: dict[str, str]) -> Callable[[], float]:
    signalled = f"{code}; import sys; sys.stdout.buffer.write({_READY!r}); sys.stdout.flush()"

    def run() -> float:
        start = time.perf_counter()
        with subprocess.Popen(
            [PYTHON, "-c", signalled], env=env, cwd=ROOT, stdout=subprocess.PIPE
        ) as process:
            assert process.stdout is not None
            ready = process.stdout.read(len(_READY))
            elapsed = time.perf_counter() - start
            process.stdout.read()
        if process.returncode != 0 or ready != _READY:
            raise RuntimeError(f"{code!r} failed (exit {process.returncode})")
        return elapsed

    return run


def measure(env: dict[str, str], rounds: int) -> list[Row]:
    subjects = {name: _timed(code, env) for name, code in _SUBJECTS.items()}
    for run in subjects.values():
        run()  # untimed: writes the bytecode cache, warms the page cache
    samples = interleaved(subjects, rounds)
    absolute = {name: Spread.of(values).median for name, values in samples.items()}
    detail = ", ".join(f"{name} {ms(value)}" for name, value in absolute.items())
    return [
        Row(
            "cold_start",
            "Cold start: import + init of file_lambda.handler / floor",
            ratios(samples["handler"], samples["floor"]),
            BAR,
            detail,
            absolute,
        ),
        Row(
            "cold_start_reference",
            "  reference: minimal FastAPI+Mangum+boto3+Logger handler / floor",
            ratios(samples["minimal"], samples["floor"]),
            None,
            "the issue measured 1.10x",
        ),
    ]


_SUBJECTS = {"floor": FLOOR, "handler": HANDLER, "minimal": MINIMAL}
