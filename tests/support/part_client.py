"""A multipart upload client, as a process of its own that a test can kill mid-upload.

    python -m tests.support.part_client PLAN.json

PLAN names the file, its part size and the presigned part URLs to send
(`[{part_number, url, headers}]`). Parts go in parallel (`workers`, 8 by
default), each read from the file on its own (no part is held longer than its
PUT), each retried alone on a connection error. One JSON line per part that
storage took: `{"part": n, "size": bytes, "etag": "..."}`.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

RETRIES = 3


def send(plan: dict[str, Any]) -> int:
    path = Path(plan["file"])
    part_size, size = int(plan["part_size"]), path.stat().st_size
    workers = int(plan.get("workers", 8))
    printing = threading.Lock()
    fd = os.open(path, os.O_RDONLY)
    limits = httpx.Limits(max_connections=workers, max_keepalive_connections=workers)
    try:
        with httpx.Client(timeout=120, limits=limits) as http:

            def put(part: dict[str, Any]) -> None:
                number = int(part["part_number"])
                offset = (number - 1) * part_size
                body = os.pread(fd, min(part_size, size - offset), offset)
                for attempt in range(RETRIES):
                    try:
                        answer = http.put(part["url"], content=body, headers=part["headers"])
                        break
                    except httpx.TransportError:
                        if attempt == RETRIES - 1:
                            raise
                answer.raise_for_status()
                line = {"part": number, "size": len(body), "etag": answer.headers["etag"]}
                with printing:
                    sys.stdout.write(json.dumps(line) + "\n")
                    sys.stdout.flush()

            with ThreadPoolExecutor(workers) as pool:
                list(pool.map(put, plan["parts"]))
    finally:
        os.close(fd)
    return 0


if __name__ == "__main__":
    raise SystemExit(send(json.loads(Path(sys.argv[1]).read_text())))
