"""The S3 adapter of the storage port (boto3).

Built once per Lambda container and reused by warm invocations. Every
botocore error is translated here; its text is logged, never returned.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import boto3
from boto3.s3.transfer import TransferConfig
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from file_lambda.storage.port import (
    CompletedPart,
    DeleteFailure,
    InvalidContinuation,
    InvalidParts,
    ListPage,
    NotModified,
    ObjectArchived,
    ObjectExists,
    ObjectInfo,
    ObjectNotFound,
    ObjectUnreadable,
    PresignedPost,
    StorageError,
    StorageUnavailable,
    StoredPart,
    UploadNotFound,
    VersionEntry,
    VersionIsDeleteMarker,
    VersionPage,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = logging.getLogger(__name__)

ARCHIVED_DETAIL = "The file is archived: ask POST /files/thaw for a readable copy first"

DELETE_BATCH = 1000  # DeleteObjects takes at most 1000 keys a request
# DeleteObjects batches of a folder in flight at once, beside the listing.
DELETE_WORKERS = 4
COPY_PART_LIMIT = 5 * 1024**3  # CopyObject copies at most 5 GB; above, copy in parts
COPY_PART_SIZE = 256 * 1024**2
_MISSING = frozenset({"NoSuchKey", "NoSuchVersion", "404", "NotFound"})
# What S3 answers a completion whose parts it will not assemble.
# (SeaweedFS answers a part listed with another checksum than its own BadDigest.)
_BAD_PARTS = frozenset(
    {"InvalidPart", "InvalidPartOrder", "EntityTooSmall", "InvalidRequest", "BadDigest"}
)
_UNAVAILABLE = frozenset(
    {"SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "503", "500"}
)


def make_client(region: str, endpoint_url: str | None) -> S3Client:
    """An S3 client with bounded waits: a stuck S3 must not eat the Lambda's timeout."""
    config = Config(
        region_name=region,
        signature_version="s3v4",
        connect_timeout=2,
        read_timeout=10,
        retries={"mode": "standard", "max_attempts": 3},
        # A local S3 (SeaweedFS) is addressed by host:port, so by path; AWS by host.
        s3={"addressing_style": "path" if endpoint_url else "virtual"},
    )
    return boto3.client("s3", endpoint_url=endpoint_url, config=config)


def bucket_origin(bucket: str, region: str, endpoint_url: str | None) -> str:
    """The origin of the bucket's presigned URLs, which browsers fetch and PUT parts to.

    Asked of botocore, as `make_client` addresses it, rather than rebuilt here: its
    host differs by region (us-east-1's is the global `<bucket>.s3.amazonaws.com`).
    Unsigned, so no credentials are needed and nothing is sent.
    """
    config = Config(
        region_name=region,
        signature_version=UNSIGNED,
        s3={"addressing_style": "path" if endpoint_url else "virtual"},
    )
    client = boto3.client("s3", endpoint_url=endpoint_url, config=config)
    url = urlsplit(
        client.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"})
    )
    return f"{url.scheme}://{url.netloc}"


@contextmanager
def _translated(*, version_id: str | None = None, read: bool = False) -> Iterator[None]:
    try:
        yield
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
        if code == "NoSuchUpload":
            raise UploadNotFound("No such upload (completed, aborted or expired)") from None
        # AWS answers a malformed version id with InvalidArgument (other stores with
        # another 400, e.g. for a NUL in it): no such version, not a storage failure.
        if code in _MISSING or (version_id and (code == "InvalidArgument" or status == 400)):
            raise ObjectNotFound("The file does not exist") from None
        if code == "304" or status == 304:
            headers = exc.response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
            raise NotModified(headers.get("etag")) from None
        if code in ("PreconditionFailed", "412") or status == 412:
            raise ObjectExists("The file already exists") from None
        if code == "InvalidObjectState":
            raise ObjectArchived(ARCHIVED_DETAIL) from None
        if version_id and (code == "MethodNotAllowed" or status == 405):
            # AWS's answer to a HEAD or GET of a delete marker's version id.
            raise VersionIsDeleteMarker("That version is a delete marker") from None
        log.warning("s3 request failed", extra={"s3_code": code, "s3_status": status})
        if read and (code == "AccessDenied" or status == 403):
            raise ObjectUnreadable("File storage refused to read the file") from None
        if code in _UNAVAILABLE or status >= 500:
            raise StorageUnavailable("File storage is unavailable; try again shortly") from None
        raise StorageError("File storage refused the request") from None
    except BotoCoreError as exc:
        # Connection refused, timeouts, retries exhausted: the store is unreachable.
        log.warning("s3 unreachable", extra={"error_type": type(exc).__name__})
        raise StorageUnavailable("File storage is unavailable; try again shortly") from None


def _info(key: str, response: Any) -> ObjectInfo:
    last_modified = response.get("LastModified") or datetime.now(UTC)
    return ObjectInfo(
        key=key,
        size=int(response.get("ContentLength", response.get("Size", 0))),
        content_type=response.get("ContentType") or "application/octet-stream",
        etag=response.get("ETag", ""),
        last_modified=last_modified.astimezone(UTC),
        version_id=_version(response.get("VersionId")),
        metadata=dict(response.get("Metadata") or {}),
        storage_class=response.get("StorageClass") or None,
        restore=response.get("Restore") or None,
        checksum_sha256=response.get("ChecksumSHA256") or None,
    )


def _version(version_id: str | None) -> str | None:
    # S3 reports the literal "null" for objects written while versioning was off.
    return None if version_id in (None, "", "null") else version_id


class _S3Body:
    def __init__(self, info: ObjectInfo, stream: Any) -> None:
        self.info = info
        self._stream = stream

    def read(self) -> bytes:
        with _translated():
            try:
                data: bytes = self._stream.read()
            finally:
                self._stream.close()
        return data

    def close(self) -> None:
        self._stream.close()


class S3Storage:
    def __init__(
        self,
        client: S3Client,
        bucket: str,
        *,
        copy_part_limit: int = COPY_PART_LIMIT,
        copy_part_size: int = COPY_PART_SIZE,
    ) -> None:
        self._s3 = client
        self._bucket = bucket
        self._copy_part_limit = copy_part_limit
        self._transfer = TransferConfig(
            multipart_threshold=copy_part_limit, multipart_chunksize=copy_part_size
        )

    def reconnect(self, client: S3Client) -> None:
        """Use a new client: its own connections and freshly resolved credentials."""
        self._s3 = client

    def _version_args(self, version_id: str | None) -> dict[str, Any]:
        return {"VersionId": version_id} if version_id else {}

    def head(self, key: str, version_id: str | None = None) -> ObjectInfo:
        with _translated(version_id=version_id, read=True):
            response = self._s3.head_object(
                Bucket=self._bucket,
                Key=key,
                # The object's SHA-256, where it was uploaded with one.
                ChecksumMode="ENABLED",
                **self._version_args(version_id),
            )
        return _info(key, response)

    def open(
        self, key: str, version_id: str | None = None, if_none_match: str | None = None
    ) -> _S3Body:
        extra: dict[str, Any] = self._version_args(version_id)
        if if_none_match:
            extra["IfNoneMatch"] = if_none_match
        with _translated(version_id=version_id, read=True):
            response = self._s3.get_object(Bucket=self._bucket, Key=key, **extra)
        return _S3Body(_info(key, response), response["Body"])

    def put(
        self,
        key: str,
        body: bytes,
        content_type: str,
        metadata: dict[str, str],
        overwrite: bool,
    ) -> ObjectInfo:
        # If-None-Match: * makes "do not overwrite" atomic at the store.
        condition = {} if overwrite else {"IfNoneMatch": "*"}
        with _translated():
            written = self._s3.put_object(
                Bucket=self._bucket,
                Key=key,
                Body=body,
                ContentType=content_type,
                Metadata=metadata,
                **condition,  # type: ignore[arg-type]
            )
        # The version just written, not whatever the key holds by now: another
        # writer may have put the key again in between. (A PUT does not return
        # the object's LastModified, hence the HEAD: docs/benchmarks.md, Bytes.)
        return self.head(key, _version(written.get("VersionId")))

    def delete(self, key: str) -> None:
        with _translated():
            self._s3.delete_object(Bucket=self._bucket, Key=key)

    def delete_many(self, keys: Sequence[str]) -> list[DeleteFailure]:
        return self._delete_batches([{"Key": key} for key in keys])

    def delete_versions(self, versions: Sequence[tuple[str, str]]) -> list[DeleteFailure]:
        return self._delete_batches([{"Key": key, "VersionId": vid} for key, vid in versions])

    def _delete_batches(self, objects: list[dict[str, str]]) -> list[DeleteFailure]:
        failures: list[DeleteFailure] = []
        for start in range(0, len(objects), DELETE_BATCH):
            batch = objects[start : start + DELETE_BATCH]
            with _translated():
                response = self._s3.delete_objects(
                    Bucket=self._bucket,
                    Delete={"Objects": batch, "Quiet": True},  # type: ignore[typeddict-item]
                )
            for error in response.get("Errors", []):
                log.warning("s3 delete failed", extra={"s3_code": error.get("Code")})
                failures.append(
                    DeleteFailure(error.get("Key", ""), "The file could not be deleted")
                )
        return failures

    def list_page(
        self,
        prefix: str,
        delimiter: str | None,
        limit: int,
        token: str | None = None,
        start_after: str | None = None,
    ) -> ListPage:
        args: dict[str, Any] = {"Bucket": self._bucket, "Prefix": prefix, "MaxKeys": limit}
        if delimiter:
            args["Delimiter"] = delimiter
        if token:
            args["ContinuationToken"] = token
        if start_after:
            args["StartAfter"] = start_after
        try:
            with _translated():
                response = self._s3.list_objects_v2(**args)
        except StorageError:
            if token or start_after:  # a position S3 does not recognise: the client's cursor is bad
                raise InvalidContinuation("The cursor is not valid for this listing") from None
            raise
        objects = [
            ObjectInfo(
                key=item["Key"],
                size=int(item.get("Size", 0)),
                content_type="",  # a listing does not carry it; HEAD does
                etag=item.get("ETag", ""),
                last_modified=item["LastModified"].astimezone(UTC),
                version_id=None,
            )
            for item in response.get("Contents", [])
        ]
        prefixes = [entry["Prefix"] for entry in response.get("CommonPrefixes", [])]
        next_token = response.get("NextContinuationToken") if response.get("IsTruncated") else None
        return ListPage(objects, prefixes, next_token)

    def list_versions(
        self,
        prefix: str,
        delimiter: str | None,
        limit: int,
        key_marker: str | None = None,
        version_marker: str | None = None,
    ) -> VersionPage:
        args: dict[str, Any] = {"Bucket": self._bucket, "Prefix": prefix, "MaxKeys": limit}
        if delimiter:
            args["Delimiter"] = delimiter
        if key_marker is not None:
            args["KeyMarker"] = key_marker
            if version_marker is not None:
                args["VersionIdMarker"] = version_marker
        try:
            with _translated():
                response = self._s3.list_object_versions(**args)
        except StorageError:
            if key_marker is not None:  # a position S3 does not recognise
                raise InvalidContinuation("The cursor is not valid for this listing") from None
            raise
        entries = [
            VersionEntry(
                key=item["Key"],
                version_id=item.get("VersionId") or "null",
                size=int(item.get("Size", 0)),
                etag=item.get("ETag", ""),
                last_modified=item["LastModified"].astimezone(UTC),
                is_latest=bool(item.get("IsLatest")),
                is_delete_marker=marker,
                storage_class=item.get("StorageClass") or None,
            )
            for marker, listed in ((False, "Versions"), (True, "DeleteMarkers"))
            for item in response.get(listed, [])  # type: ignore[attr-defined]
        ]
        # S3 returns versions and markers in two lists; one key's entries are
        # newest first across both.
        # A stable sort keeps S3's own order among a key's versions that share a
        # timestamp (listings may give seconds only); the latest always leads.
        entries.sort(
            key=lambda entry: (
                entry.key.encode(),
                not entry.is_latest,
                -entry.last_modified.timestamp(),
            )
        )
        truncated = response.get("IsTruncated")
        return VersionPage(
            entries,
            response.get("NextKeyMarker") if truncated else None,
            response.get("NextVersionIdMarker") if truncated else None,
            [entry["Prefix"] for entry in response.get("CommonPrefixes", [])],
        )

    def restore_archived(self, key: str, version_id: str | None, days: int) -> bool:
        with _translated(version_id=version_id):
            try:
                self._s3.restore_object(
                    Bucket=self._bucket,
                    Key=key,
                    RestoreRequest={"Days": days, "GlacierJobParameters": {"Tier": "Standard"}},
                    **self._version_args(version_id),
                )
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") == "RestoreAlreadyInProgress":
                    return False
                raise
        return True

    def exists_under(self, prefix: str) -> bool:
        return bool(self.list_page(prefix, None, 1).objects)

    def delete_prefix(self, prefix: str) -> int:
        """Delete every key under `prefix`: one DeleteObjects per list page.

        Pages are listed one after another (each needs the last one's token),
        and each page's DeleteObjects runs while the next pages are listed, up
        to DELETE_WORKERS at once: a folder takes about as long as its listing
        instead of the sum of both (bench row delete_folder_speed), which
        matters for large folders against the Lambda's 30 s timeout. The count
        of S3 calls is the same as in a loop.
        """
        deleted = 0
        failures: list[DeleteFailure] = []
        in_flight: deque[Future[list[DeleteFailure]]] = deque()
        with ThreadPoolExecutor(DELETE_WORKERS, thread_name_prefix="delete") as pool:
            token: str | None = None
            while True:
                page = self.list_page(prefix, None, DELETE_BATCH, token)
                keys = [item.key for item in page.objects]
                if keys:
                    if len(in_flight) >= DELETE_WORKERS:
                        failures += in_flight.popleft().result()  # bounds keys held
                    in_flight.append(pool.submit(self.delete_many, keys))
                    deleted += len(keys)
                if page.next_token is None:
                    break
                token = page.next_token
            while in_flight:
                failures += in_flight.popleft().result()
        if failures:
            raise StorageError(f"{len(failures)} files could not be deleted")
        return deleted

    def copy(self, source: ObjectInfo, destination: str, metadata: dict[str, str]) -> ObjectInfo:
        """Copy the bytes and content type of the version `source` describes; the new
        version carries `metadata` (who wrote it is whoever copied, not the source's writer)
        and no tags: the malware scanner's tag is its own verdict of the source, and the
        copy, a new version, waits for its own (S3 copies tags unless told not to, which
        on AWS also takes tagging rights the bucket's policy keeps for GuardDuty)."""
        copy_source: dict[str, str] = {"Bucket": self._bucket, "Key": source.key}
        if source.version_id:
            copy_source["VersionId"] = source.version_id
        written: str | None = None  # the version written, where S3 says which
        with _translated():
            if source.size < self._copy_part_limit:
                copied = self._s3.copy_object(
                    Bucket=self._bucket,
                    Key=destination,
                    CopySource=copy_source,  # type: ignore[arg-type]
                    MetadataDirective="REPLACE",
                    TaggingDirective="REPLACE",
                    ContentType=source.content_type,
                    Metadata=metadata,
                )
                written = _version(copied.get("VersionId"))
            else:
                # The managed copy uploads parts with UploadPartCopy and aborts the
                # upload if a part fails, so a failure leaves no orphan parts. Without
                # REPLACE it would carry the source's metadata over, not these.
                self._s3.copy(
                    copy_source,  # type: ignore[arg-type]
                    self._bucket,
                    destination,
                    ExtraArgs={
                        "ContentType": source.content_type,
                        "Metadata": metadata,
                        "MetadataDirective": "REPLACE",
                        # With no tags to put, the managed copy puts none.
                        "TaggingDirective": "REPLACE",
                    },
                    Config=self._transfer,
                )
        return self.head(destination, written)

    def presign_get(
        self,
        key: str,
        expires_in: int,
        version_id: str | None,
        disposition: str,
        content_type: str | None,
    ) -> str:
        params: dict[str, Any] = {"Bucket": self._bucket, "Key": key}
        params.update(self._version_args(version_id))
        params["ResponseContentDisposition"] = disposition
        if content_type:
            params["ResponseContentType"] = content_type
        with _translated():
            return self._s3.generate_presigned_url(
                "get_object", Params=params, ExpiresIn=expires_in
            )

    def presign_post(
        self,
        key: str,
        expires_in: int,
        max_size: int,
        content_type: str | None,
        metadata: dict[str, str],
    ) -> PresignedPost:
        if "${filename}" in key:
            # botocore would pin only the key's start, and S3 would substitute the
            # uploader's file name: the form could write any key under that start.
            raise ValueError("a presigned POST key must not contain ${filename}")
        fields: dict[str, str] = {}
        # boto3 pins the bucket and the exact key; we add the size range and,
        # when given, the content type and our metadata, each as exact matches.
        conditions: list[Any] = [["content-length-range", 0, max_size]]
        if content_type:
            fields["Content-Type"] = content_type
            conditions.append({"Content-Type": content_type})
        for name, value in metadata.items():
            fields[f"x-amz-meta-{name}"] = value
            conditions.append({f"x-amz-meta-{name}": value})
        with _translated():
            post = self._s3.generate_presigned_post(
                self._bucket, key, Fields=fields, Conditions=conditions, ExpiresIn=expires_in
            )
        return PresignedPost(url=post["url"], fields=dict(post["fields"]))

    # -- multipart uploads -----------------------------------------------------------

    def create_multipart(
        self, key: str, content_type: str, metadata: dict[str, str], checksum_sha256: bool
    ) -> str:
        extra: dict[str, Any] = {"ChecksumAlgorithm": "SHA256"} if checksum_sha256 else {}
        with _translated():
            response = self._s3.create_multipart_upload(
                Bucket=self._bucket, Key=key, ContentType=content_type, Metadata=metadata, **extra
            )
        return response["UploadId"]

    def presign_part(
        self,
        key: str,
        upload_id: str,
        part_number: int,
        expires_in: int,
        checksum_sha256: str | None,
    ) -> str:
        params: dict[str, Any] = {
            "Bucket": self._bucket,
            "Key": key,
            "UploadId": upload_id,
            "PartNumber": part_number,
        }
        if checksum_sha256:
            # Signed as the header x-amz-checksum-sha256: the client must send exactly
            # this value, and S3 refuses a body whose SHA-256 differs (BadDigest).
            params["ChecksumSHA256"] = checksum_sha256
        with _translated():
            return self._s3.generate_presigned_url(
                "upload_part", Params=params, ExpiresIn=expires_in
            )

    def list_parts(self, key: str, upload_id: str) -> list[StoredPart]:
        parts: list[StoredPart] = []
        marker = 0
        while True:  # 1000 parts a page: at most 10 calls for 10,000 parts
            with _translated():
                response = self._s3.list_parts(
                    Bucket=self._bucket,
                    Key=key,
                    UploadId=upload_id,
                    MaxParts=1000,
                    PartNumberMarker=marker,
                )
            parts += [
                StoredPart(
                    number=int(item["PartNumber"]),
                    size=int(item.get("Size", 0)),
                    etag=item.get("ETag", ""),
                    last_modified=item["LastModified"].astimezone(UTC)
                    if item.get("LastModified")
                    else None,
                    checksum_sha256=item.get("ChecksumSHA256") or None,
                )
                for item in response.get("Parts", [])
            ]
            following = int(response.get("NextPartNumberMarker") or 0)
            if not response.get("IsTruncated") or following <= marker:
                return parts
            marker = following

    def complete_multipart(
        self, key: str, upload_id: str, parts: Sequence[CompletedPart], overwrite: bool
    ) -> ObjectInfo:
        listed: list[dict[str, Any]] = []
        for part in parts:
            entry: dict[str, Any] = {"PartNumber": part.number, "ETag": part.etag}
            if part.checksum_sha256:
                entry["ChecksumSHA256"] = part.checksum_sha256
            listed.append(entry)
        # If-None-Match: * makes "do not overwrite" atomic at completion, as for a PUT.
        condition: dict[str, Any] = {} if overwrite else {"IfNoneMatch": "*"}
        with _translated():
            try:
                completed = self._s3.complete_multipart_upload(
                    Bucket=self._bucket,
                    Key=key,
                    UploadId=upload_id,
                    MultipartUpload={"Parts": listed},  # type: ignore[typeddict-item]
                    **condition,
                )
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code")
                if code not in _BAD_PARTS:
                    raise
                log.info("s3 refused a completion", extra={"s3_code": code})
                raise InvalidParts(
                    "Storage refused these parts: each part but the last must hold at least "
                    "5 MiB, in ascending order, with the ETags (and checksums) their "
                    "uploads answered"
                ) from None
        return self.head(key, _version(completed.get("VersionId")))

    def abort_multipart(self, key: str, upload_id: str) -> None:
        try:
            with _translated():
                self._s3.abort_multipart_upload(Bucket=self._bucket, Key=key, UploadId=upload_id)
        except UploadNotFound:
            return  # aborted, completed or expired already: nothing is left
