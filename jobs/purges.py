"""The purge of a deleted tenant, once its grace period is over (kind 'purge').

`PurgeKind.sweep` starts one purge job per tenant whose `purge_after` has
passed (core_service/deletions.py set it); the job then works in tasks, each
batch saved in its checkpoint before the next, so that a purge of millions of
objects goes on across as many steps as it needs:

1. `versions` of the bucket: every version and delete marker under
   `tenants/{id}/` and `jobs/{id}/` (ListObjectVersions, then DeleteObjects
   by version id, 1,000 a request, quiet);
2. `uploads` of the bucket: every unfinished multipart upload under them, aborted;
3. and 4. the same in the replica bucket, when there is one (the record says
   when there is none);
5. `verify`: both listings are empty, or everything runs again (a version
   replicated late, a key DeleteObjects refused): at most `MAX_PASSES` passes;
6. `rows`: every row the tenant owns (`private.purge_tenant_rows`, one
   transaction, which keeps its counts in the deletion record's row);
7. `record`: the deletion record, canonical JSON signed with Ed25519, kept in
   `private.tenant_deletions` and at `deletions/{id}.json` in the bucket.

Idempotent throughout: a batch is saved as pending before it is deleted, so a
step killed mid-batch deletes it again (deleting a deleted version succeeds)
and counts it once; the rows' counts and the record are written once and read
back after. A purged tenant's second purge changes nothing.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jobs.runner import Database, Finished, Job, Step

log = logging.getLogger(__name__)

# DeleteObjects takes at most 1,000 keys a request.
BATCH = 1000
# Passes over both buckets before the purge gives up on a key that will not go
# (the runner then retries the step, and fails the job after its failures).
MAX_PASSES = 5
# A step stops taking batches when less than this is left of its time.
STEP_RESERVE_SECONDS = 5.0
# A failed purge is started again by the sweep after this many hours.
RETRY_FAILED_AFTER_HOURS = 1
RECORD_VERSION = 1


def prefixes(tenant_id: str) -> tuple[str, str]:
    return (f"tenants/{tenant_id}/", f"jobs/{tenant_id}/")


def record_key(tenant_id: str) -> str:
    """Where the deletion record lies in the bucket: outside every tenant's prefix."""
    return f"deletions/{tenant_id}.json"


def canonical(record: Mapping[str, Any]) -> bytes:
    """The bytes a record's signature covers: sorted keys, no spaces, UTF-8."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def signing_key(seed_b64: str) -> Ed25519PrivateKey:
    """`DELETION_SIGNING_KEY`: base64 of the 32 bytes of an Ed25519 seed."""
    seed = base64.b64decode(seed_b64, validate=True)
    if len(seed) != 32:
        raise ValueError("DELETION_SIGNING_KEY must be base64 of 32 bytes")
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public: bytes) -> str:
    """A public key's id: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(public).hexdigest()[:16]


@dataclass(frozen=True)
class Target:
    """A bucket to empty, and its name in the counts."""

    name: str  # 'bucket' or 'replica'
    client: Any
    bucket: str


class PurgeKind:
    def __init__(
        self,
        s3: Any,
        bucket: str,
        replica_s3: Any | None,
        replica_bucket: str | None,
        signing_seed: Callable[[], str],
        *,
        batch: int = BATCH,
    ) -> None:
        self.bucket = Target("bucket", s3, bucket)
        self.replica = (
            Target("replica", replica_s3, replica_bucket)
            if replica_s3 is not None and replica_bucket
            else None
        )
        self.signing_seed = signing_seed
        self.batch = min(batch, BATCH)

    # -- the scheduled part ---------------------------------------------------------

    def sweep(self, db: Database) -> None:
        """A purge job for each deleted tenant whose grace period has passed: never two
        at once (a unique index), and a failed one started again an hour later."""
        db.execute(
            "insert into public.jobs (tenant_id, kind)"
            " select t.id, 'purge' from public.tenants t"
            " where t.deleted_at is not null and t.purge_after <= now()"
            " and not exists (select from public.jobs j where j.tenant_id = t.id"
            "   and j.kind = 'purge' and (j.state in ('queued', 'running')"
            "   or j.finished_at > now() - make_interval(hours => %s)))"
            " on conflict do nothing",
            (RETRY_FAILED_AFTER_HOURS,),
        )

    def expire(self, job: Job, result: Mapping[str, Any]) -> None:
        """A purge leaves no output to expire (its record is kept)."""

    # -- the job ------------------------------------------------------------------

    def tasks(self) -> list[tuple[str, Target | None]]:
        targets = [self.bucket] + ([self.replica] if self.replica else [])
        found: list[tuple[str, Target | None]] = []
        for target in targets:
            found += [("versions", target), ("uploads", target)]
        return [*found, ("verify", None), ("rows", None), ("record", None)]

    def advance(self, step: Step) -> Finished | None:
        tenant = step.job.tenant_id
        state = dict(step.checkpoint or {})
        if not state:
            if not self._start(step.db, tenant):
                return Finished(self._outcome(step.db, tenant))
            self._key()  # no key, no purge: fail before anything is deleted
            state = {"task": 0, "prefix": 0, "passes": 1, "counts": {}}
            step.save(state)
        tasks = self.tasks()
        while True:  # a batch at least each step, however short, then while time is left
            task, target = tasks[state["task"]]
            if task == "versions" and target is not None:
                done = self._versions(step, state, target)
            elif task == "uploads" and target is not None:
                done = self._uploads(step, state, target)
            elif task == "verify":
                if not self._empty(tenant):
                    if state["passes"] >= MAX_PASSES:
                        raise RuntimeError("the tenant's prefixes are not empty after the passes")
                    state.update(task=0, prefix=0, passes=state["passes"] + 1)
                    step.save(state, self._progress(state))
                    continue
                done = True
            elif task == "rows":
                self._rows(step.db, step.job)
                done = True
            else:
                self._record(step.db, step.job, state)
                return Finished(self._outcome(step.db, tenant))
            if done:
                state.update(task=state["task"] + 1, prefix=0)
                state.pop("markers", None)
                step.save(state, self._progress(state))
            if step.time_left() <= STEP_RESERVE_SECONDS:
                return None

    def _start(self, db: Database, tenant: str) -> bool:
        """Whether there is a purge to do: the tenant is deleted and due (its deletion
        record's row is made now, so that rows arriving later are dropped: migration
        20260202000300), or purged but its record unwritten."""
        db.execute(
            "with due as (select t.id, t.name, t.deleted_by, t.deleted_at, t.purge_after"
            "  from public.tenants t where t.id = %s and t.deleted_at is not null"
            "  and t.purge_after <= now())"
            " insert into private.tenant_deletions"
            "  (tenant_id, name_sha256, requested_by, requested_at, purge_after)"
            " select id, encode(sha256(convert_to(name, 'UTF8')), 'hex'), deleted_by,"
            "  deleted_at, purge_after from due"
            " on conflict (tenant_id) do nothing",
            (tenant,),
        )
        found = db.execute(
            "select record is null from private.tenant_deletions where tenant_id = %s",
            (tenant,),
        )
        return bool(found and found[0][0])

    def _key(self) -> Ed25519PrivateKey:
        return signing_key(self.signing_seed())

    def _versions(self, step: Step, state: dict[str, Any], target: Target) -> bool:
        """One batch of versions and delete markers deleted; True when none is left
        under the tenant's prefixes in this pass."""
        counts = state["counts"].setdefault(
            target.name, {"objects": 0, "versions": 0, "delete_markers": 0, "errors": 0}
        )
        pending = state.get("pending")
        if pending is None:
            all_prefixes = prefixes(step.job.tenant_id)
            if state["prefix"] >= len(all_prefixes):
                return True
            markers = state.get("markers") or {}
            page = target.client.list_object_versions(
                Bucket=target.bucket,
                Prefix=all_prefixes[state["prefix"]],
                MaxKeys=self.batch,
                **markers,
            )
            pending = [[v["Key"], v["VersionId"], "versions"] for v in page.get("Versions", [])]
            pending += [
                [m["Key"], m["VersionId"], "delete_markers"] for m in page.get("DeleteMarkers", [])
            ]
            pending.sort()
            if page.get("IsTruncated"):
                state["markers"] = {
                    "KeyMarker": page["NextKeyMarker"],
                    "VersionIdMarker": page["NextVersionIdMarker"],
                }
            else:
                state["markers"] = None
                state["prefix"] += 1
            if not pending:
                step.save(state)
                return False
            # Saved before it is deleted: a step killed now deletes it again next time.
            state["pending"] = pending
            step.save(state)
        answer = target.client.delete_objects(
            Bucket=target.bucket,
            Delete={
                "Objects": [{"Key": key, "VersionId": version} for key, version, _ in pending],
                "Quiet": True,
            },
        )
        refused = {(e.get("Key"), e.get("VersionId")) for e in answer.get("Errors", [])}
        last_key = state.get("last_key")
        for key, version, sort in pending:
            if (key, version) in refused:
                continue
            counts[sort] += 1
            if key != last_key:  # listings come in key order: a key counts once
                counts["objects"] += 1
                last_key = key
        counts["errors"] += len(refused)
        if refused:
            log.warning("DeleteObjects refused %d keys; the next pass tries again", len(refused))
        state["last_key"] = last_key
        state.pop("pending")
        step.save(state, self._progress(state))
        return False

    def _uploads(self, step: Step, state: dict[str, Any], target: Target) -> bool:
        """One page of unfinished multipart uploads aborted; True when none is left."""
        counts = state["counts"].setdefault(target.name, {})
        counts.setdefault("uploads_aborted", 0)
        all_prefixes = prefixes(step.job.tenant_id)
        if state["prefix"] >= len(all_prefixes):
            return True
        markers = state.get("markers") or {}
        page = target.client.list_multipart_uploads(
            Bucket=target.bucket,
            Prefix=all_prefixes[state["prefix"]],
            MaxUploads=self.batch,
            **markers,
        )
        for upload in page.get("Uploads", []):
            # An upload gone already was aborted by a step killed before it saved.
            with contextlib.suppress(target.client.exceptions.NoSuchUpload):
                target.client.abort_multipart_upload(
                    Bucket=target.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                )
            counts["uploads_aborted"] += 1
        if page.get("IsTruncated"):
            state["markers"] = {
                "KeyMarker": page["NextKeyMarker"],
                "UploadIdMarker": page["NextUploadIdMarker"],
            }
        else:
            state["markers"] = None
            state["prefix"] += 1
        step.save(state, self._progress(state))
        return False

    def _empty(self, tenant: str) -> bool:
        for target in [self.bucket] + ([self.replica] if self.replica else []):
            for prefix in prefixes(tenant):
                page = target.client.list_object_versions(
                    Bucket=target.bucket, Prefix=prefix, MaxKeys=1
                )
                if page.get("Versions") or page.get("DeleteMarkers"):
                    return False
                uploads = target.client.list_multipart_uploads(
                    Bucket=target.bucket, Prefix=prefix, MaxUploads=1
                )
                if uploads.get("Uploads"):
                    return False
        return True

    def _rows(self, db: Database, job: Job) -> None:
        """Every row of the tenant, in one transaction that also keeps their counts in
        the deletion record's row (so a step killed after it loses nothing)."""
        db.execute("select private.purge_tenant_rows(%s, %s)", (job.tenant_id, job.id))

    def _record(self, db: Database, job: Job, state: Mapping[str, Any]) -> None:
        """Sign the record once (a step run again signs nothing new) and write it to
        the bucket (again: the same bytes)."""
        key = self._key()
        public = public_key_bytes(key)
        replica: Mapping[str, Any] = (
            state["counts"].get("replica", {})
            if self.replica
            else {"skipped": "no replica bucket is configured (REPLICA_BUCKET_NAME)"}
        )
        db.execute(
            "update private.tenant_deletions set purge_finished_at = now()"
            " where tenant_id = %s and purge_finished_at is null",
            (job.tenant_id,),
        )
        rows = db.execute(
            "select name_sha256, requested_by::text, requested_at, purge_after,"
            " purge_started_at, purge_finished_at, counts, record, signature, key_id"
            " from private.tenant_deletions where tenant_id = %s",
            (job.tenant_id,),
        )
        (name_sha256, requested_by, requested_at, purge_after, started, finished,
         stored_counts, record, signature, kid) = rows[0]  # fmt: skip
        if record is None:
            record = {
                "version": RECORD_VERSION,
                "what": "tenant deleted and purged",
                "tenant_id": job.tenant_id,
                "tenant_name_sha256": name_sha256,
                "requested_by": requested_by,
                "requested_at": _iso(requested_at),
                "purge_after": _iso(purge_after),
                "purge_started_at": _iso(started),
                "purge_finished_at": _iso(finished),
                "purge_job": job.id,
                "prefixes": list(prefixes(job.tenant_id)),
                "counts": {
                    "bucket": state["counts"].get("bucket", {}),
                    "replica": replica,
                    "rows": (stored_counts or {}).get("rows", {}),
                },
                "verified_empty": True,
                "key_id": key_id(public),
            }
            signature = base64.b64encode(key.sign(canonical(record))).decode()
            kid = key_id(public)
            db.execute(
                "update private.tenant_deletions set record = %s, signature = %s, key_id = %s"
                " where tenant_id = %s and record is null",
                (json.dumps(record), signature, kid, job.tenant_id),
            )
            rows = db.execute(
                "select record, signature, key_id from private.tenant_deletions"
                " where tenant_id = %s",
                (job.tenant_id,),
            )
            record, signature, kid = rows[0]
        document = {"record": record, "signature": signature, "key_id": kid}
        self.bucket.client.put_object(
            Bucket=self.bucket.bucket,
            Key=record_key(job.tenant_id),
            Body=canonical(document),
            ContentType="application/json",
        )

    def _outcome(self, db: Database, tenant: str) -> dict[str, Any]:
        rows = db.execute(
            "select record from private.tenant_deletions where tenant_id = %s", (tenant,)
        )
        if not rows or rows[0][0] is None:
            return {"purged": False, "reason": "the tenant is not deleted, or not due"}
        return {"purged": True, "record": record_key(tenant), "counts": rows[0][0]["counts"]}

    @staticmethod
    def _progress(state: Mapping[str, Any]) -> dict[str, Any]:
        return {"task": state["task"], "pass": state["passes"], "counts": state["counts"]}


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()
