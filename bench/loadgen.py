"""HTTP load on loopback, bounded in time and in count: wrk, or a small asyncio client.

`wrk` (Debian's package, `apt-get install wrk`; `make bench` says when it is missing) is the
generator: in C, it leaves the server most of the machine's two cores. When
it is missing, a keep-alive asyncio client stands in, slower, so its ratios
are compressed towards 1; the table says which one ran.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

# A hard stop by count on top of the time bound, per wrk thread / per run.
MAX_REQUESTS = 500_000

_WRK_SCRIPT = """
local count = 0
local limit = 0
function init(args) limit = tonumber(args[1]) or 0 end
function response(status, headers, body)
  count = count + 1
  if limit > 0 and count >= limit then wrk.thread:stop() end
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"non2xx":%d,"errors":%d,' ..
    '"p50_us":%d,"p99_us":%d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass(frozen=True)
class Load:
    requests: int
    seconds: float
    failures: int
    p50: float
    p99: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def generator() -> str:
    return "wrk" if shutil.which("wrk") else "python"


def run(url: str, headers: dict[str, str], seconds: float, connections: int) -> Load:
    if url.split("//", 1)[-1].split(":", 1)[0] not in ("127.0.0.1", "localhost"):
        raise ValueError("load goes to loopback only")
    if generator() == "wrk":
        return _wrk(url, headers, seconds, connections)
    return asyncio.run(_python(url, headers, seconds, connections))


def _wrk(url: str, headers: dict[str, str], seconds: float, connections: int) -> Load:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_WRK_SCRIPT)
    try:
        # wrk takes whole seconds.
        whole = max(1, round(seconds))
        command = ["wrk", "-t1", f"-c{connections}", f"-d{whole}s", "--timeout", "5s"]
        command += ["-s", script.name]
        for name, value in headers.items():
            command += ["-H", f"{name}: {value}"]
        command += [url, "--", str(MAX_REQUESTS)]
        output = subprocess.run(
            command, capture_output=True, text=True, check=True, timeout=seconds + 30
        ).stdout
    finally:
        Path(script.name).unlink()
    line = next(line for line in output.splitlines() if line.startswith("BENCH_JSON "))
    result = json.loads(line.removeprefix("BENCH_JSON "))
    return Load(
        result["requests"],
        result["duration_us"] / 1e6,
        result["non2xx"] + result["errors"],
        result["p50_us"] / 1e6,
        result["p99_us"] / 1e6,
    )


async def _python(url: str, headers: dict[str, str], seconds: float, connections: int) -> Load:
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    head = f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    request = (head + "\r\n").encode()
    latencies: list[float] = []
    failures = 0
    deadline = time.perf_counter() + seconds
    budget = MAX_REQUESTS

    async def connection() -> None:
        nonlocal failures, budget
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        try:
            while time.perf_counter() < deadline and budget > 0:
                budget -= 1
                start = time.perf_counter()
                writer.write(request)
                status = await reader.readline()
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                await reader.readexactly(length)
                latencies.append(time.perf_counter() - start)
                if not status.startswith(b"HTTP/1.1 2"):
                    failures += 1
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(connections)))
    elapsed = time.perf_counter() - start
    latencies.sort()
    return Load(
        len(latencies),
        elapsed,
        failures,
        latencies[len(latencies) // 2],
        latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
    )
