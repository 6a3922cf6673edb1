"""The environment each measured process gets: fake credentials, loopback only."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from dev import seaweedfs

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / ".local" / "bench"
BUCKET = "test-snsd-bench"
JWT_SECRET = "bench-jwt-secret-with-at-least-32-characters!"
PYTHON = sys.executable


def base_env(endpoint: str) -> dict[str, str]:
    """What a Lambda container would carry, pointed at a local S3, with real bytecode.

    The Lambda package ships compiled, hash-checked `.pyc`; here the bytecode
    goes to `.local/bench/pycache` (never into the tree), written by a first,
    untimed run, so neither side pays for compiling its sources.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "PYTHON", "POWERTOOLS_", "SUPABASE_"))
    }
    env.update(
        {
            "AWS_ACCESS_KEY_ID": seaweedfs.ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": seaweedfs.SECRET_KEY,
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_ENDPOINT_URL_S3": endpoint,
            "S3_BUCKET_NAME": BUCKET,
            "SUPABASE_JWT_SECRET": JWT_SECRET,
            "POWERTOOLS_SERVICE_NAME": "file-api",
            "POWERTOOLS_METRICS_NAMESPACE": "SnSD-bench",
            "PYTHONPYCACHEPREFIX": str(OUT / "pycache"),
            "PYTHONPATH": str(ROOT),
            # Production sets it: the CORS middleware is part of every request.
            "CORS_ALLOWED_ORIGINS": "https://app.snsdconsultant.com",
            # No scanner runs beside the bench: its files have no verdict, so every
            # row but `scan_check` (which enforces it in an app of its own) reads
            # them as a deployment without scanning would.
            "MALWARE_SCANNING": "off",
        }
    )
    return env
