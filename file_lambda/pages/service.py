"""The pages: a static HTML shell each, and the bundled assets they load.

A shell holds no data and no token: its script reads the token from the
page's own path and calls the public JSON API (`/files/public/...`), which
stays the contract. So the shell is the same bytes for every link, built once
a process, and the pages need nothing but the assets `make pages` built
(web/, into `assets/`). Only the names the manifest lists are ever served:
no request path reaches the file system.
"""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from file_lambda.pages.exceptions import AssetNotFound, PagesNotBuilt
from file_lambda.pages.schemas import Manifest
from file_lambda.public_links import PUBLIC_HEADERS
from file_lambda.settings import Settings
from file_lambda.storage.s3 import bucket_origin

ASSETS = Path(__file__).with_name("assets")
ASSETS_PATH = "/files/assets"
MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
# A hashed name never changes content: a browser may keep it for a year, untouched.
IMMUTABLE = "public, max-age=31536000, immutable"

TITLES = {"share": "A shared file", "request": "Send files"}

SHELL = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>{title}</title>
<link rel="stylesheet" href="{assets}/{style}">
<script defer src="{assets}/{script}"></script>
</head>
<body>
<main id="app" aria-live="polite"><p>Loading…</p></main>
<noscript><p>This page needs JavaScript.</p></noscript>
</body>
</html>
"""


def content_security_policy(bucket_origin: str) -> str:
    """Only this origin's scripts and styles, none inline; the API and, for the parts
    Uppy PUTs straight to S3, the bucket; no frames, forms, base or anything else."""
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            f"connect-src 'self' {bucket_origin}",
            # Forms are handled by the scripts, never submitted by the browser.
            "form-action 'none'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        ]
    )


@dataclass(frozen=True, slots=True)
class Asset:
    path: Path
    media_type: str


class Pages:
    def __init__(self, manifest: Manifest, assets: Path, policy: str) -> None:
        self._assets = assets
        self._served = {manifest.share, manifest.request, manifest.style}
        self._shells = {
            kind: SHELL.format(
                title=html.escape(TITLES[kind]),
                assets=ASSETS_PATH,
                style=manifest.style,
                script=script,
            )
            for kind, script in (("share", manifest.share), ("request", manifest.request))
        }
        self.headers = {**PUBLIC_HEADERS, "Content-Security-Policy": policy}

    @classmethod
    def load(cls, settings: Settings, assets: Path | None = None) -> Pages:
        assets = assets or ASSETS
        try:
            manifest = Manifest.model_validate_json((assets / "manifest.json").read_bytes())
        except (OSError, ValidationError) as missing:
            raise PagesNotBuilt("The pages are not available right now") from missing
        origin = bucket_origin(settings.bucket, settings.region, settings.endpoint_url)
        return cls(manifest, assets, content_security_policy(origin))

    def shell(self, kind: str) -> str:
        return self._shells[kind]

    def asset(self, name: str) -> Asset:
        # Membership first: a name is a key of a set, never a path to resolve.
        if name not in self._served:
            raise AssetNotFound("No such asset")
        return Asset(self._assets / name, MEDIA_TYPES[Path(name).suffix])


@functools.cache
def pages_for(settings: Settings) -> Pages:
    """Once a process: the manifest, the shells and the bucket's origin do not change."""
    return Pages.load(settings)
