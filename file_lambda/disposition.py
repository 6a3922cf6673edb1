"""How a tenant's file is served to a browser: as an attachment unless it runs nothing.

Tenant files are untrusted content. Every way a file leaves the API (an inline
download, a redirect, a presigned GET, and a share link's download later)
sends the same Content-Disposition, and the same rule for which types a
browser may show inline.
"""

from __future__ import annotations

from urllib.parse import quote

# Types a browser shows without running anything in them (no HTML, no SVG, no
# XML): only these are served `inline` when asked; anything else is an attachment.
INLINE_SAFE_TYPES = frozenset(
    {
        "application/pdf",
        "audio/mpeg",
        "audio/ogg",
        "audio/wav",
        "image/avif",
        "image/gif",
        "image/jpeg",
        "image/png",
        "image/webp",
        "text/csv",
        "text/plain",
        "video/mp4",
        "video/webm",
    }
)


def safe_to_render(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() in INLINE_SAFE_TYPES


def content_disposition(requested: str, filename: str, content_type: str) -> str:
    disposition = (
        "inline" if requested == "inline" and safe_to_render(content_type) else "attachment"
    )
    # RFC 6266: an ASCII fallback plus the exact UTF-8 name.
    fallback = "".join(
        ch if ch.isascii() and ch.isprintable() and ch not in '"\\' else "_" for ch in filename
    )
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
