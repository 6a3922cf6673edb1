"""A ZIP64 writer that streams into an S3 multipart upload, and stops and resumes between parts.

Why this design. A folder archive may hold files of many GiB, and a job step
runs within one Lambda invocation (at most 15 minutes, 10 GiB of memory at
most, usually far less). So the archive is never built in memory or on disk:
its bytes go into a multipart upload a part at a time, and a job continues
across steps from a checkpoint saved right after a part was uploaded.

- **Bytes through memory once.** Every file's bytes are read once, in chunks
  (`chunk_size`), for its CRC-32 (which the ZIP format needs) and, when it fits
  a step, its SHA-256. A small file's bytes are also written into the current
  part (deflated or stored). A large file (over `single_step_limit`) is
  stored, and its bytes are not uploaded by the function at all: each range of
  at least S3's 5 MiB minimum part is copied server-side (`UploadPartCopy` of
  the pinned version, `CopySourceRange`); only its head (what fills the part
  holding its local header) and its tail (under 5 MiB, before the data
  descriptor) go through the function's upload. What it costs: each large
  file is read once by the function (GET traffic and time, at the speed S3
  serves one stream) and written once by S3's own copy, so the archive's
  throughput is bounded by one GET stream, not by the function's upload
  bandwidth; and the archive takes one part per `copy_part_size` of a large
  file (10,000 parts at most per upload: `MAX_ARCHIVE_BYTES` keeps inside it).
- **Within the time limit.** The writer saves (`save`) only at part
  boundaries, where every byte written so far is in an uploaded part: the
  upload id, the parts' ETags, the item it was in, and either the bytes of
  that item's output already uploaded (a small item is simply generated again
  from its start, and the bytes uploaded skipped: at most `single_step_limit`
  read twice), or, in a large item, the offset in the source and the running
  CRC-32 (a CRC resumes from its value; a SHA-256 does not, see below). A
  step that is nearly out of time (`stop_margin`) stops at the next part
  boundary, or at the next item's end, where the current part's bytes so far
  (under `part_size`) go into the checkpoint: a folder of small files may not
  fill a part in a whole step. Parts uploaded after the last save are uploaded again with the
  same numbers by the next step, which S3 allows (the later part wins), so a
  step that died anywhere leaves the same archive, byte for byte.
- **SHA-256 of a large file.** `hashlib`'s state cannot be saved between
  steps, so a large file's SHA-256 is S3's own `ChecksumSHA256` when S3 keeps
  it as a full-object checksum (an object uploaded in one part with it), else
  None (the export's manifest says so). Small files' are always computed.
- **The central directory** (one record per file, 46 bytes and the name) is
  kept by a `Directory` (Postgres rows in a job: `private.job_items`), not in
  the checkpoint: a folder of 100,000 files has a directory of several MiB.

Format: local headers with data descriptors (general-purpose bit 3) and UTF-8
names (bit 11); a ZIP64 extra field where a size or an offset reaches
`zip64_limit` (0xFFFFFFFF; tests make it small), data descriptors with 8-byte
sizes for the items whose local header has one, and a ZIP64 end of central
directory when the count, the directory's size or its offset needs it.
"""

from __future__ import annotations

import base64
import hashlib
import struct
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any, Protocol

MiB = 1024 * 1024
# S3's least size of a part other than the last.
MIN_PART_SIZE = 5 * MiB
# The classic format's largest size or offset; from here on ZIP64 fields.
ZIP64_LIMIT = 0xFFFFFFFF
ZIP64_COUNT_LIMIT = 0xFFFF

STORED, DEFLATED = 0, 8
# Data descriptor (bit 3) and UTF-8 names (bit 11).
FLAGS = 0x0008 | 0x0800
# Made by Unix (for the external attributes' permission bits).
MADE_BY_UNIX = 3 << 8
# A regular file, rw-r--r--.
FILE_ATTRIBUTES = (0o100644 << 16) & 0xFFFFFFFF

# Types worth deflating: text and text-like formats. Everything else is
# stored: media, archives and office documents (themselves ZIPs) are
# compressed already, and an unknown binary most likely too.
COMPRESSIBLE = frozenset(
    {
        ".txt",
        ".csv",
        ".tsv",
        ".json",
        ".jsonl",
        ".ndjson",
        ".xml",
        ".html",
        ".htm",
        ".css",
        ".js",
        ".ts",
        ".md",
        ".rst",
        ".svg",
        ".log",
        ".yaml",
        ".yml",
        ".toml",
        ".ini",
        ".sql",
        ".py",
        ".java",
        ".c",
        ".h",
        ".cpp",
        ".rb",
        ".go",
        ".rs",
        ".sh",
        ".tex",
        ".rtf",
        ".eml",
        ".ics",
        ".vcf",
        ".bmp",
        ".tif",
        ".tiff",
        ".wav",
        ".ps",
    }
)


class Directory(Protocol):
    """Where the archive's items are pinned and its central directory kept."""

    def pinned(self, start: int) -> Iterator[Source]:
        """The items from `start` on, in order."""
        ...

    def count(self) -> int: ...

    def record(self, entry: Entry) -> None:
        """Keep one entry as written (again, with the same values, after a resume)."""
        ...

    def entries(self) -> Iterator[Entry]:
        """Every entry written, in order."""
        ...


@dataclass(frozen=True)
class Source:
    """One item to archive: an object's version, and its name in the archive."""

    seq: int
    name: str
    key: str
    version_id: str | None
    size: int


@dataclass(frozen=True)
class Entry:
    """One entry as written: its central directory record's fields. `key` is None for a
    trailer entry; `offset` None for an item left out (its source vanished)."""

    seq: int
    name: str
    key: str | None
    version_id: str | None
    size: int
    compressed: int = 0
    crc32: int = 0
    sha256: str | None = None
    offset: int | None = None
    method: int = STORED


def method_for(name: str, size: int, single_step_limit: int) -> int:
    if size <= single_step_limit and PurePosixPath(name).suffix.lower() in COMPRESSIBLE:
        return DEFLATED
    return STORED


class _Stop(Exception):
    """A save point found the step out of time: the writer has saved and returns."""


class SourceGone(Exception):
    """A large item's version vanished after its header was written: the archive cannot
    be finished as listed."""


@dataclass
class ZipUpload:
    """One archive being written into `key`'s multipart upload; `advance` writes until the
    step's time is nearly up and returns the checkpoint to resume from, or None when the
    archive is complete."""

    s3: Any
    bucket: str
    key: str
    directory: Directory
    modified: datetime
    save: Callable[[Mapping[str, Any]], None]
    time_left: Callable[[], float]
    part_size: int = 8 * MiB
    copy_part_size: int = 128 * MiB
    min_copy_size: int = MIN_PART_SIZE
    single_step_limit: int = 64 * MiB
    chunk_size: int = 1 * MiB
    zip64_limit: int = ZIP64_LIMIT
    stop_margin: float = 5.0
    save_every: float = 5.0

    def __post_init__(self) -> None:
        self._buffer = bytearray()
        self._parts: list[list[Any]] = []  # [etag, size] per part, in order
        self._written = 0
        self._upload_id = ""
        self._date, self._time = _dos_time(self.modified)
        self.uploaded_parts = 0  # parts this writer uploaded (a test's count)
        self.copied_parts = 0
        self._saved: dict[str, Any] = {}
        self._last_save = float("inf")

    # -- the checkpoint --------------------------------------------------------------

    @staticmethod
    def start(s3: Any, bucket: str, key: str) -> dict[str, Any]:
        """The first checkpoint: a new multipart upload, nothing written."""
        upload = s3.create_multipart_upload(Bucket=bucket, Key=key, ContentType="application/zip")
        return {"upload_id": upload["UploadId"], "parts": [], "item": 0, "skip": 0}

    def _checkpoint(self, item: int, **where: Any) -> dict[str, Any]:
        parts = [list(part) for part in self._parts]
        return {"upload_id": self._upload_id, "parts": parts, "item": item, **where}

    def _save_point(self, item: int, **where: Any) -> None:
        """A part boundary: save when the step is nearly out of time (and stop), or when
        `save_every` seconds passed since the last save (what a crashed step loses)."""
        checkpoint = self._checkpoint(item, **where)
        left = self.time_left()
        if left < self.stop_margin:
            self.save(checkpoint)
            self._saved = checkpoint
            raise _Stop
        if self._last_save - left >= self.save_every:
            self.save(checkpoint)
            self._last_save = left

    def _stop_between_items(self, item: int) -> None:
        """Out of time between two items, the current part not full: the part's bytes so
        far (under `part_size`) go into the checkpoint, so that a folder of small files,
        which may not fill a part in a whole step, still stops in time."""
        pending = base64.b64encode(self._buffer).decode() if self._buffer else ""
        checkpoint = self._checkpoint(item, skip=0, **({"pending": pending} if pending else {}))
        self.save(checkpoint)
        self._saved = checkpoint
        raise _Stop

    # -- the work ------------------------------------------------------------------

    def advance(
        self,
        checkpoint: Mapping[str, Any],
        trailer: Callable[[], Iterable[tuple[str, Iterable[bytes]]]] | None = None,
    ) -> dict[str, Any] | None:
        """Write from `checkpoint` on; the checkpoint to resume from, or None when done."""
        self._upload_id = checkpoint["upload_id"]
        self._parts = [list(part) for part in checkpoint["parts"]]
        self._written = sum(size for _, size in self._parts)
        self._buffer.clear()
        self._buffer += base64.b64decode(checkpoint.get("pending", ""))
        self._last_save = self.time_left()
        start = int(checkpoint["item"])
        try:
            for source in self.directory.pinned(start):
                if source.seq == start and "offset" in checkpoint:
                    self._large(source, checkpoint)
                else:
                    skip = int(checkpoint.get("skip", 0)) if source.seq == start else 0
                    if source.size > self.single_step_limit and not skip:
                        self._large(source, None)
                    else:
                        self._small(source, skip)
                if len(self._buffer) >= self.part_size:
                    self._flush()
                    self._save_point(source.seq + 1, skip=0)
                elif self.time_left() < self.stop_margin:
                    self._stop_between_items(source.seq + 1)
        except _Stop:
            return self._saved
        seq = self.directory.count()
        if trailer is not None:
            for name, chunks in trailer():
                self._trailer_entry(seq, name, chunks)
                seq += 1
        self._finish()
        return None

    def _emit(self, data: bytes | bytearray | memoryview, state: list[int]) -> None:
        """Append an item's output, dropping what a previous step uploaded already
        (`state` = [bytes generated of this item, bytes to skip])."""
        state[0] += len(data)
        if state[1]:
            dropped = min(state[1], len(data))
            state[1] -= dropped
            data = data[dropped:]
        self._buffer += data

    def _small(self, source: Source, skip: int) -> None:
        """An item read in one go (deflated if its type compresses), from its start, the
        bytes a previous step uploaded dropped."""
        try:
            body = self._get(source)
        except _Gone:
            if skip:
                raise SourceGone(source.name) from None
            self.directory.record(Entry(source.seq, source.name, source.key, source.version_id, 0))
            return
        method = method_for(source.name, source.size, self.single_step_limit)
        offset = self._position() - skip
        zip64 = source.size >= self.zip64_limit
        state = [0, skip]
        self._emit(_local_header(source.name, method, zip64, self._date, self._time), state)
        crc, sha, compressed = 0, hashlib.sha256(), 0
        deflate = zlib.compressobj(6, zlib.DEFLATED, -15) if method == DEFLATED else None
        size = 0
        for chunk in _chunks(body, self.chunk_size):
            crc = zlib.crc32(chunk, crc)
            sha.update(chunk)
            size += len(chunk)
            out = deflate.compress(chunk) if deflate else chunk
            compressed += len(out)
            self._emit(out, state)
            self._flush_within(source.seq, state)
        if deflate:
            out = deflate.flush()
            compressed += len(out)
            self._emit(out, state)
        self._emit(_descriptor(crc, compressed, size, zip64), state)
        self._flush_within(source.seq, state)
        self.directory.record(
            Entry(
                source.seq,
                source.name,
                source.key,
                source.version_id,
                size,
                compressed,
                crc,
                sha.hexdigest(),
                offset,
                method,
            )
        )

    def _flush_within(self, seq: int, state: list[int]) -> None:
        if len(self._buffer) >= self.part_size and not state[1]:
            self._flush()
            self._save_point(seq, skip=state[0])

    def _large(self, source: Source, resume: Mapping[str, Any] | None) -> None:
        """A stored item, its data copied server-side a range at a time; resumable at
        every part."""
        zip64 = source.size >= self.zip64_limit
        if resume is None:
            try:
                self.s3.head_object(**self._version(source))
            except Exception as error:
                if not _is_gone(error):
                    raise
                self.directory.record(
                    Entry(source.seq, source.name, source.key, source.version_id, 0)
                )
                return
            offset = self._position()
            self._buffer += _local_header(source.name, STORED, zip64, self._date, self._time)
            head = min(source.size, max(0, self.part_size - len(self._buffer)))
            crc = self._read_into_buffer(source, 0, head, 0)
            pos = head
            if len(self._buffer) >= self.part_size:
                self._flush()
                self._save_point(source.seq, offset=pos, crc=crc, at=offset)
        else:
            pos, crc, offset = int(resume["offset"]), int(resume["crc"]), int(resume["at"])
        while source.size - pos >= self.min_copy_size and not self._buffer:
            end = min(source.size, pos + self.copy_part_size)
            crc = self._crc_of_range(source, pos, end, crc)
            self._copy(source, pos, end)
            pos = end
            self._save_point(source.seq, offset=pos, crc=crc, at=offset)
        crc = self._read_into_buffer(source, pos, source.size, crc)
        self._buffer += _descriptor(crc, source.size, source.size, zip64)
        self.directory.record(
            Entry(
                source.seq,
                source.name,
                source.key,
                source.version_id,
                source.size,
                source.size,
                crc,
                self._full_object_sha256(source),
                offset,
                STORED,
            )
        )

    def _trailer_entry(self, seq: int, name: str, chunks: Iterable[bytes]) -> None:
        offset = self._position()
        self._buffer += _local_header(name, DEFLATED, False, self._date, self._time)
        crc, sha, size, compressed = 0, hashlib.sha256(), 0, 0
        deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
        for chunk in chunks:
            crc, size = zlib.crc32(chunk, crc), size + len(chunk)
            sha.update(chunk)
            out = deflate.compress(chunk)
            compressed += len(out)
            self._buffer += out
            if len(self._buffer) >= self.part_size:
                self._flush()
        out = deflate.flush()
        compressed += len(out)
        self._buffer += out
        self._buffer += _descriptor(crc, compressed, size, False)
        self.directory.record(
            Entry(seq, name, None, None, size, compressed, crc, sha.hexdigest(), offset, DEFLATED)
        )

    def _finish(self) -> None:
        """The central directory, the end records, the last part; complete the upload."""
        start, count = self._position(), 0
        for entry in self.directory.entries():
            if entry.offset is None:
                continue
            self._buffer += _central_header(entry, self._date, self._time, self.zip64_limit)
            count += 1
            if len(self._buffer) >= self.part_size:
                self._flush()
        end = self._position()
        size = end - start
        if count >= ZIP64_COUNT_LIMIT or size >= self.zip64_limit or start >= self.zip64_limit:
            self._buffer += struct.pack(
                "<IQHHIIQQQQ",
                0x06064B50,
                44,
                MADE_BY_UNIX | 45,
                45,
                0,
                0,
                count,
                count,
                size,
                start,
            )
            self._buffer += struct.pack("<IIQI", 0x07064B50, 0, end, 1)
            count16, size32, start32 = 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF
        else:
            count16, size32, start32 = count, size, start
        self._buffer += struct.pack(
            "<IHHHHIIH", 0x06054B50, 0, 0, count16, count16, size32, start32, 0
        )
        self._flush()
        self.s3.complete_multipart_upload(
            Bucket=self.bucket,
            Key=self.key,
            UploadId=self._upload_id,
            MultipartUpload={
                "Parts": [
                    {"PartNumber": n, "ETag": etag}
                    for n, (etag, _) in enumerate(self._parts, start=1)
                ]
            },
        )

    @property
    def size(self) -> int:
        return self._written

    # -- S3 -------------------------------------------------------------------------

    def _position(self) -> int:
        return self._written + len(self._buffer)

    def _flush(self) -> None:
        body = bytes(self._buffer)
        number = len(self._parts) + 1
        answer = self.s3.upload_part(
            Bucket=self.bucket, Key=self.key, UploadId=self._upload_id, PartNumber=number, Body=body
        )
        self._parts.append([answer["ETag"], len(body)])
        self._written += len(body)
        self._buffer.clear()
        self.uploaded_parts += 1

    def _copy(self, source: Source, start: int, end: int) -> None:
        number = len(self._parts) + 1
        copy_source: dict[str, str] = {"Bucket": self.bucket, "Key": source.key}
        if source.version_id:
            copy_source["VersionId"] = source.version_id
        answer = self.s3.upload_part_copy(
            Bucket=self.bucket,
            Key=self.key,
            UploadId=self._upload_id,
            PartNumber=number,
            CopySource=copy_source,
            CopySourceRange=f"bytes={start}-{end - 1}",
        )
        self._parts.append([answer["CopyPartResult"]["ETag"], end - start])
        self._written += end - start
        self.copied_parts += 1

    def _version(self, source: Source) -> dict[str, str]:
        args = {"Bucket": self.bucket, "Key": source.key}
        if source.version_id:
            args["VersionId"] = source.version_id
        return args

    def _get(self, source: Source, byte_range: str | None = None) -> Any:
        args = self._version(source)
        if byte_range:
            args["Range"] = byte_range
        try:
            return self.s3.get_object(**args)["Body"]
        except Exception as error:
            if _is_gone(error):
                raise _Gone from error
            raise

    def _crc_of_range(self, source: Source, start: int, end: int, crc: int) -> int:
        if end <= start:
            return crc
        body = self._get_range(source, start, end)
        for chunk in _chunks(body, self.chunk_size):
            crc = zlib.crc32(chunk, crc)
        return crc

    def _read_into_buffer(self, source: Source, start: int, end: int, crc: int) -> int:
        if end <= start:
            return crc
        for chunk in _chunks(self._get_range(source, start, end), self.chunk_size):
            crc = zlib.crc32(chunk, crc)
            self._buffer += chunk
        return crc

    def _get_range(self, source: Source, start: int, end: int) -> Any:
        try:
            return self._get(source, f"bytes={start}-{end - 1}")
        except _Gone as gone:
            raise SourceGone(source.name) from gone

    def _full_object_sha256(self, source: Source) -> str | None:
        """S3's SHA-256 of the whole version, when it keeps one (see the module's docstring)."""
        try:
            head = self.s3.head_object(**self._version(source), ChecksumMode="ENABLED")
        except Exception:
            return None
        value = head.get("ChecksumSHA256")
        if not value or head.get("ChecksumType", "FULL_OBJECT") != "FULL_OBJECT" or "-" in value:
            return None
        return base64.b64decode(value).hex()


class _Gone(Exception):
    pass


def _is_gone(error: Exception) -> bool:
    response = getattr(error, "response", None) or {}
    code = str(response.get("Error", {}).get("Code", ""))
    return code in {"NoSuchKey", "NoSuchVersion", "404", "InvalidArgument"}


def _chunks(body: Any, size: int) -> Iterator[bytes]:
    """Chunks of exactly `size` bytes (the last shorter): a deflated item generated again
    after a resume is fed the same chunks, so it compresses to the same bytes."""
    pending = bytearray()
    while True:
        data = body.read(size - len(pending))
        if not data:
            break
        pending += data
        if len(pending) == size:
            yield bytes(pending)
            pending.clear()
    if pending:
        yield bytes(pending)


def _dos_time(moment: datetime) -> tuple[int, int]:
    year = min(max(moment.year, 1980), 2107)
    date = (year - 1980) << 9 | moment.month << 5 | moment.day
    time = moment.hour << 11 | moment.minute << 5 | moment.second // 2
    return date, time


def _local_header(name: str, method: int, zip64: bool, date: int, time: int) -> bytes:
    encoded = name.encode("utf-8")
    if zip64:
        # Sizes in the ZIP64 extra field (zeros: the data descriptor gives them).
        extra = struct.pack("<HHQQ", 0x0001, 16, 0, 0)
        sizes = (0xFFFFFFFF, 0xFFFFFFFF)
    else:
        extra, sizes = b"", (0, 0)
    version = 45 if zip64 else 20
    return (
        struct.pack(
            "<IHHHHHIIIHH",
            0x04034B50,
            version,
            FLAGS,
            method,
            time,
            date,
            0,
            *sizes,
            len(encoded),
            len(extra),
        )
        + encoded
        + extra
    )


def _descriptor(crc: int, compressed: int, size: int, zip64: bool) -> bytes:
    if zip64:
        return struct.pack("<IIQQ", 0x08074B50, crc, compressed, size)
    return struct.pack("<IIII", 0x08074B50, crc, compressed, size)


def _central_header(entry: Entry, date: int, time: int, limit: int) -> bytes:
    assert entry.offset is not None
    encoded = entry.name.encode("utf-8")
    fields: list[int] = []
    size, compressed, offset = entry.size, entry.compressed, entry.offset
    if size >= limit:
        fields.append(size)
        size = 0xFFFFFFFF
    if compressed >= limit:
        fields.append(compressed)
        compressed = 0xFFFFFFFF
    if offset >= limit:
        fields.append(offset)
        offset = 0xFFFFFFFF
    extra = struct.pack(f"<HH{len(fields)}Q", 0x0001, 8 * len(fields), *fields) if fields else b""
    version = 45 if fields else 20
    return (
        struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            MADE_BY_UNIX | version,
            version,
            FLAGS,
            entry.method,
            time,
            date,
            entry.crc32,
            compressed,
            size,
            len(encoded),
            len(extra),
            0,
            0,
            0,
            FILE_ATTRIBUTES,
            offset,
        )
        + encoded
        + extra
    )


@dataclass
class MemoryDirectory:
    """A `Directory` in memory (tests, and the bench's single-step archives)."""

    sources: Sequence[Source]
    written: dict[int, Entry]

    @classmethod
    def of(cls, items: Iterable[tuple[str, str, str | None, int]]) -> MemoryDirectory:
        sources = [Source(seq, *item) for seq, item in enumerate(items)]
        return cls(sources, {})

    def pinned(self, start: int) -> Iterator[Source]:
        return iter(self.sources[start:])

    def count(self) -> int:
        return len(self.sources)

    def record(self, entry: Entry) -> None:
        self.written[entry.seq] = replace(entry)

    def entries(self) -> Iterator[Entry]:
        return iter([self.written[seq] for seq in sorted(self.written)])
