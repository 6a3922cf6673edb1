"""Property tests of the path rules (API.md, "Paths and storage layout").

10,000 generated paths a run against the rules themselves, and a sample of
them through the real handler into the real S3, after which the bucket is
listed: nothing may land outside the caller's `tenants/{id}/`.
"""

import unicodedata
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from file_lambda.paths import MAX_KEY_BYTES, InvalidPath, TenantRoot, validate_path
from tests.support.files import BUCKET, all_keys

TENANT = "7f0c1a9e-2b1d-4c55-9d3e-0a1b2c3d4e5f"

# Segments built from the characters that matter: separators, dots, percent
# signs, backslashes, controls (NUL included), combining marks, astral
# characters, surrogates, and ordinary text.
_tricky = st.sampled_from(
    [
        "/",
        ".",
        "..",
        "\\",
        "%",
        "%2e",
        "%2F",
        "\x00",
        "\n",
        "\x7f",
        "\u0301",
        "\U0001f600",
        "\ud800",
        "e",
        "É",
        "ß",
        " ",
        "~",
        "a" * 50,
        "é" * 100,
    ]
)
_segment = st.lists(st.one_of(_tricky, st.text(min_size=1, max_size=8)), max_size=6).map("".join)
paths = st.one_of(
    st.lists(_segment, max_size=6).map("/".join),
    st.text(max_size=40),
    # Around the 1024-byte key limit.
    st.integers(min_value=980, max_value=1030).flatmap(
        lambda n: st.sampled_from(["a", "é", "\U0001f600"]).map(
            lambda ch: ch * (n // len(ch.encode()))
        )
    ),
)


def _rules_allow(path: str) -> bool:
    """API.md's rules, restated independently of the implementation."""
    normal = unicodedata.normalize("NFC", path)
    segments = normal.split("/")
    return (
        normal != ""
        and not normal.startswith("/")
        and "\\" not in normal
        and not any(unicodedata.category(ch) in ("Cc", "Cs", "Cf") for ch in normal)
        and all(segment not in ("", ".", "..") for segment in segments)
        and len(f"tenants/{TENANT}/{normal}".encode("utf-8", "surrogatepass")) <= MAX_KEY_BYTES
    )


@pytest.mark.slow
@settings(max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(paths)
def test_every_accepted_path_maps_under_the_tenant_and_every_other_is_refused(path):
    root = TenantRoot(TENANT)
    if not _rules_allow(path):
        with pytest.raises(InvalidPath) as refused:
            root.key(path)
        assert (refused.value.status, refused.value.code) == (400, "invalid_path")
        return
    key = root.key(path)
    assert key == f"tenants/{TENANT}/" + unicodedata.normalize("NFC", path)
    assert root.relative(key) == validate_path(path)
    assert ".." not in key.split("/")


@pytest.mark.slow
@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(folder=paths.filter(lambda p: not any(0xD800 <= ord(ch) <= 0xDFFF for ch in p)))
def test_through_the_handler_nothing_escapes_the_tenant(client_for, s3, folder):
    tenant = str(uuid.uuid4())
    client = client_for(tenants={tenant: "member"})  # surrogates cannot travel in a URL
    response = client.post(
        "/files/upload", params={"folder": folder}, files={"file": ("f.txt", b"x", "text/plain")}
    )
    allowed = _rules_allow(folder + "/f.txt") if folder else True
    if allowed:
        assert response.status == 201, response.body
        expected = (unicodedata.normalize("NFC", folder) + "/" if folder else "") + "f.txt"
        assert response.json()["path"] == expected
        listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=f"tenants/{tenant}/")
        assert [item["Key"] for item in listed["Contents"]] == [f"tenants/{tenant}/{expected}"]
    else:
        assert response.status == 400, response.body
        assert response.json()["code"] == "invalid_path"


def test_the_bucket_holds_nothing_outside_tenant_roots(s3):
    # Runs after the property tests above (same module, file order). Jobs' outputs
    # (a folder archive: `jobs/{tenant_id}/{job_id}/...`) and a purged tenant's deletion
    # record (`deletions/{tenant_id}.json`) are the only other roots.
    strays = [
        key
        for key in all_keys(s3)
        if not (
            key.split("/")[0] in ("tenants", "jobs")
            and len(key.split("/")) >= 3
            and _is_uuid(key.split("/")[1])
        )
        and not (
            key.startswith("deletions/")
            and key.count("/") == 1
            and _is_uuid(key.removeprefix("deletions/").removesuffix(".json"))
        )
    ]
    assert strays == []
    assert BUCKET.startswith("test-")


def _is_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False
