"""Verify a tenant's deletion record (jobs/purges.py) against the signing key's public half.

    python -m scripts.verify_deletion_record deletions/<tenant_id>.json --public-key <base64>

The record file is what the purge wrote to `deletions/{tenant_id}.json` in the
bucket: `{"record": {...}, "signature": "<base64>", "key_id": "<hex>"}`. The
signature covers the record's canonical JSON (sorted keys, no spaces, UTF-8).
`--public-key` is the raw 32-byte Ed25519 public key in base64, as
`--print-public-key <seed base64>` derives it from `DELETION_SIGNING_KEY`.
Exit 0 and a line naming the tenant when it verifies; 1 otherwise.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)


def canonical(record: Any) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def public_key_of(seed_b64: str) -> str:
    """The base64 public key of a `DELETION_SIGNING_KEY` seed."""
    key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(seed_b64, validate=True))
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def verify(document: dict[str, Any], public_key_b64: str) -> str | None:
    """Why `document` does not verify, or None when it does."""
    try:
        raw = base64.b64decode(public_key_b64, validate=True)
        public = Ed25519PublicKey.from_public_bytes(raw)
        record, signature = document["record"], base64.b64decode(document["signature"])
    except (KeyError, TypeError, ValueError) as exc:
        return f"malformed: {exc}"
    if document.get("key_id") != hashlib.sha256(raw).hexdigest()[:16]:
        return "signed with another key (key_id differs)"
    try:
        public.verify(signature, canonical(record))
    except InvalidSignature:
        return "the signature does not match the record"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("record", nargs="?", type=Path)
    parser.add_argument("--public-key")
    parser.add_argument("--print-public-key", metavar="SEED")
    args = parser.parse_args(argv)
    if args.print_public_key:
        print(public_key_of(args.print_public_key))
        return 0
    if args.record is None or args.public_key is None:
        parser.error("a record file and --public-key are required")
    document = json.loads(args.record.read_text())
    problem = verify(document, args.public_key)
    if problem is not None:
        print(f"NOT VERIFIED: {problem}", file=sys.stderr)
        return 1
    print(f"verified: tenant {document['record'].get('tenant_id')} deleted")
    return 0


if __name__ == "__main__":
    sys.exit(main())
