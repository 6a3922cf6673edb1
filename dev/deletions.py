"""Tenant deletion in `make dev` (issue 30): the replica bucket and the records' signing key.

SeaweedFS does not replicate: `REPLICA_BUCKET` is an empty versioned bucket
beside the uploads bucket, which the purge empties as it would the real
replica; tests put the "replicated" copies there themselves.
"""

from __future__ import annotations

import base64
import secrets
from pathlib import Path

REPLICA_BUCKET = "snsd-local-replica"
KEY_FILE = "deletion_signing_key"


def signing_key(state_dir: Path) -> str:
    """DELETION_SIGNING_KEY for this state dir: an Ed25519 seed made once and kept, so
    records signed before a restart verify with the same public key after it."""
    path = state_dir / KEY_FILE
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(base64.b64encode(secrets.token_bytes(32)).decode() + "\n")
    return path.read_text().strip()
