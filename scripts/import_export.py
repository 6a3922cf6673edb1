"""Recreate a tenant from its export (docs/api.md, "Tenant export") through the public API.

    python -m scripts.import_export snsd-export-<tenant>-<date>.zip \\
        --api https://api.snsdconsultant.com --token "$TOKEN" [--name NAME]

The caller (the token's user) becomes the owner of a new tenant named as the
export's (or NAME). Then:

- every file of the manifest is uploaded to its path: inline up to the file
  API's limit, through a presigned POST beyond it (up to 5 GiB; larger files
  are reported, not imported);
- each is downloaded again and its size, sha256 and crc32 compared with the
  manifest's (and with the ZIP's own bytes, when the manifest has no sha256);
- the tenant's setting is set as exported;
- the export's other members and its pending invitees are invited with their
  roles (an owner may grant every role); a member already there, or the caller
  themself, is left as is.

It prints a summary and exits 1 on any difference (a file that could not be
uploaded or does not match, an invitation refused), 2 on an unreadable export.
Standard library and httpx only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

FILES = "files/"
# The file API's inline upload limit (MAX_INLINE_UPLOAD_BYTES), less room for the form.
INLINE_LIMIT = 850_000
PRESIGNED_POST_LIMIT = 5 * 1024**3
CHUNK = 1024 * 1024


@dataclass
class Summary:
    tenant_id: str = ""
    files: int = 0
    bytes: int = 0
    verified: int = 0
    invited: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def report(self) -> str:
        lines = [
            f"tenant      {self.tenant_id}",
            f"files       {self.verified} of {self.files} verified ({self.bytes} bytes)",
            f"invited     {len(self.invited)}: {', '.join(self.invited) or '-'}",
            f"problems    {len(self.problems)}",
        ]
        lines += [f"  - {problem}" for problem in self.problems]
        return "\n".join(lines)


class Api:
    def __init__(self, base: str, token: str, timeout: float = 60.0) -> None:
        self.http = httpx.Client(
            base_url=base.rstrip("/"),
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
        )
        self.tenant_id: str | None = None

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if self.tenant_id is not None:
            headers["X-Tenant-ID"] = self.tenant_id
        return self.http.request(method, url, headers=headers, **kwargs)


def _problem(answer: httpx.Response) -> str:
    try:
        body = answer.json()
        return f"{answer.status_code} {body.get('code')}: {body.get('detail')}"
    except ValueError:
        return f"{answer.status_code}"


def _read_json(archive: zipfile.ZipFile, name: str) -> Any:
    with archive.open(name) as entry:
        return json.load(entry)


def _split(path: str) -> tuple[str, str]:
    folder, _, name = path.rpartition("/")
    return folder, name


def _upload(api: Api, archive: zipfile.ZipFile, entry: dict[str, Any]) -> str | None:
    """Upload one file; None when done, else why not."""
    path, size = str(entry["path"]), int(entry["size"])
    content_type = str(entry.get("content_type") or "application/octet-stream")
    folder, name = _split(path)
    with archive.open(FILES + path) as data:
        if size <= INLINE_LIMIT:
            answer = api.request(
                "POST",
                "/files/upload",
                params={"folder": folder, "overwrite": "false"},
                files={"file": (name, data.read(), content_type)},
            )
            return None if answer.status_code == 201 else f"{path}: upload {_problem(answer)}"
        if size > PRESIGNED_POST_LIMIT:
            return f"{path}: {size} bytes, over a presigned POST's 5 GiB: not imported"
        asked = api.request(
            "POST",
            "/files/presigned-upload",
            params={"file_path": path, "content_type": content_type, "max_size": max(size, 1)},
        )
        if asked.status_code != 200:
            return f"{path}: presigned upload {_problem(asked)}"
        form = asked.json()
        posted = httpx.post(
            form["url"],
            data=form["fields"],
            files={"file": (name, data, content_type)},
            timeout=httpx.Timeout(60.0, write=3600.0),
        )
        if posted.status_code not in (200, 201, 204):
            return f"{path}: the presigned POST answered {posted.status_code}"
    return None


def _digests(chunks: Iterator[bytes]) -> tuple[int, str, str]:
    size, crc, sha = 0, 0, hashlib.sha256()
    for chunk in chunks:
        size, crc = size + len(chunk), zlib.crc32(chunk, crc)
        sha.update(chunk)
    return size, sha.hexdigest(), f"{crc:08x}"


def _zip_chunks(archive: zipfile.ZipFile, name: str) -> Iterator[bytes]:
    with archive.open(name) as entry:
        while chunk := entry.read(CHUNK):
            yield chunk


def _verify(api: Api, archive: zipfile.ZipFile, entry: dict[str, Any]) -> str | None:
    """Download the file back; None when it matches the manifest, else the difference."""
    path = str(entry["path"])
    expected_sha = entry.get("sha256") or _digests(_zip_chunks(archive, FILES + path))[1]
    # Until the malware scan's verdict, a download may be refused for a while: retried.
    with api.http.stream(
        "GET",
        f"/files/download/{path}",
        headers={"X-Tenant-ID": api.tenant_id or ""},
        params={"disposition": "attachment"},
        follow_redirects=True,
    ) as answer:
        if answer.status_code != 200:
            answer.read()
            return f"{path}: download {_problem(answer)}"
        size, sha, crc = _digests(answer.iter_bytes(CHUNK))
    found = {"size": size, "sha256": sha, "crc32": crc}
    wanted = {"size": int(entry["size"]), "sha256": expected_sha, "crc32": entry["crc32"]}
    if found != wanted:
        return f"{path}: imported {found}, exported {wanted}"
    return None


def _me(api: Api) -> dict[str, Any]:
    answer = api.request("GET", "/me")
    answer.raise_for_status()
    me: dict[str, Any] = answer.json()
    return me


def _invite(api: Api, tenant_id: str, email: str, role: str) -> str | None:
    answer = api.request(
        "POST", f"/tenants/{tenant_id}/invitations", json={"email": email, "role": role}
    )
    if answer.status_code == 201:
        return None
    return f"invitation of {email} as {role}: {_problem(answer)}"


def import_export(archive: zipfile.ZipFile, api: Api, name: str | None) -> Summary:
    summary = Summary()
    manifest = _read_json(archive, "manifest.json")
    about = _read_json(archive, "tenant.json")
    members = _read_json(archive, "members.json")
    invitations = _read_json(archive, "invitations.json")
    me = _me(api)

    created = api.request("POST", "/tenants", json={"name": name or about["name"]})
    created.raise_for_status()
    tenant_id = str(created.json()["id"])
    summary.tenant_id = tenant_id
    settings = about.get("settings") or {}
    if settings.get("members_read_pending"):
        changed = api.request("PATCH", f"/tenants/{tenant_id}", json={"members_read_pending": True})
        if changed.status_code != 200:
            summary.problems.append(f"setting members_read_pending: {_problem(changed)}")

    api.tenant_id = tenant_id
    for entry in manifest["files"]:
        summary.files += 1
        summary.bytes += int(entry["size"])
        failed = _upload(api, archive, entry) or _verify(api, archive, entry)
        if failed:
            summary.problems.append(failed)
        else:
            summary.verified += 1
    api.tenant_id = None

    mine = (me.get("email") or "").lower()
    wanted: dict[str, str] = {}
    for member in members:
        if member.get("email") and member["email"].lower() != mine:
            wanted[member["email"].lower()] = member["role"]
    for invitation in invitations:
        if invitation["status"] == "pending" and invitation["email"] != mine:
            wanted.setdefault(invitation["email"], invitation["role"])
    for email, role in sorted(wanted.items()):
        failed = _invite(api, tenant_id, email, role)
        if failed:
            summary.problems.append(failed)
        else:
            summary.invited.append(f"{email} ({role})")
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("export", help="the export's ZIP")
    parser.add_argument("--api", required=True, help="the API's base URL")
    parser.add_argument("--token", required=True, help="the importing user's access token")
    parser.add_argument("--name", help="the new tenant's name (the export's by default)")
    args = parser.parse_args(argv)
    try:
        archive = zipfile.ZipFile(args.export)
        _read_json(archive, "manifest.json")
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as error:
        print(f"not a readable export: {error}", file=sys.stderr)
        return 2
    with archive:
        summary = import_export(archive, Api(args.api, args.token), args.name)
    print(summary.report())
    return 1 if summary.problems else 0


if __name__ == "__main__":
    sys.exit(main())
