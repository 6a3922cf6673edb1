"""Tenant-relative paths and the keys they map to.

Clients only ever name paths relative to their tenant's root; this module is
the one place that turns them into bucket keys under `tenants/{tenant_id}/`,
and back. A bad path is refused, never rewritten into a good one.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from tenancy.problems import BadRequest

MAX_KEY_BYTES = 1024
TENANTS_ROOT = "tenants"
_REFUSED_CATEGORIES = frozenset({"Cc", "Cs", "Cf"})


class InvalidPath(BadRequest):
    code = "invalid_path"


def _describe(raw: str) -> str:
    # Echo at most a short, printable form of what the client sent.
    shown = "".join(ch if ch.isprintable() else "\ufffd" for ch in raw[:80])
    return repr(shown + ("…" if len(raw) > 80 else ""))


def validate_path(raw: str, *, allow_root: bool = False) -> str:
    """The NFC form of `raw` if it is an acceptable relative path, else `InvalidPath`."""
    path = unicodedata.normalize("NFC", raw)
    if path == "":
        if allow_root:
            return ""
        raise InvalidPath("The path is empty")
    if path.startswith("/"):
        raise InvalidPath(f"The path {_describe(raw)} must not start with '/'")
    if "\\" in path:
        raise InvalidPath(f"The path {_describe(raw)} must not contain a backslash")
    # Cc: control characters, NUL included; Cs: lone surrogates, which are not UTF-8;
    # Cf: invisible format characters (U+202E makes "invoice\u202egpj.exe" read as
    # "invoiceexe.jpg"; zero-width characters make two names look alike).
    if any(unicodedata.category(ch) in _REFUSED_CATEGORIES for ch in path):
        raise InvalidPath(
            f"The path {_describe(raw)} must not contain control or invisible format characters"
        )
    check_segments(path)
    return path


def check_segments(path: str) -> None:
    """Refuse a path whose segments a store could resolve: some S3-compatible
    servers normalise `a/../b` or `a//b` in keys, which would leave the tenant,
    and some take a backslash for a separator (SeaweedFS refuses such a key)."""
    if path.startswith("/"):
        raise InvalidPath(f"The path {_describe(path)} must not start with '/'")
    if "\\" in path:
        raise InvalidPath(f"The path {_describe(path)} must not contain a backslash")
    for segment in path.split("/"):
        if segment in ("", ".", ".."):
            raise InvalidPath(f"The path {_describe(path)} has an empty, '.' or '..' segment")


def validate_name(raw: str | None) -> str:
    """An uploaded file's name: exactly one valid path segment."""
    name = validate_path(raw or "")
    if "/" in name:
        raise InvalidPath(f"The file name {_describe(name)} must not contain '/'")
    return name


def join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


@dataclass(frozen=True, slots=True)
class TenantRoot:
    """The key prefix of one tenant: `tenants/{tenant_id}/`."""

    tenant_id: str

    @property
    def prefix(self) -> str:
        return f"{TENANTS_ROOT}/{self.tenant_id}/"

    def key(self, path: str) -> str:
        """The key of a validated file path (the path is validated again here)."""
        key = self.prefix + validate_path(path)
        self._check_length(key, path)
        return key

    def folder_prefix(self, folder: str) -> str:
        """The key prefix of a validated folder (`""` is the tenant's root)."""
        folder = validate_path(folder, allow_root=True)
        prefix = self.prefix + (f"{folder}/" if folder else "")
        self._check_length(prefix, folder)
        return prefix

    def relative(self, key: str) -> str:
        """The client-facing path of a key of this tenant."""
        if not key.startswith(self.prefix):
            # Unreachable unless the storage layer is broken: never show the key.
            raise ValueError("key outside the tenant's root")
        return key[len(self.prefix) :]

    @staticmethod
    def _check_length(key: str, path: str) -> None:
        if len(key.encode("utf-8")) > MAX_KEY_BYTES:
            raise InvalidPath(
                f"The path {_describe(path)} is too long: a key may hold {MAX_KEY_BYTES} bytes"
            )
