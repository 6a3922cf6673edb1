"""A listing page never outgrows the load balancer's 1 MB, even with the longest keys."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.files import BUCKET


def _fill(s3, keys):
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda key: s3.put_object(Bucket=BUCKET, Key=key, Body=b"x"), keys))


def _walk(client, **params):
    pages, files, folders, cursor = 0, [], [], None
    while True:
        query = dict(params, limit=1000) | ({"cursor": cursor} if cursor else {})
        response = client.get("/files/list", params=query)
        assert response.status == 200, response.body
        body = response.json()
        pages += 1
        files += [item["path"] for item in body["files"]]
        folders += body["folders"]
        cursor = body["next_cursor"]
        if cursor is None:
            return pages, files, folders


def _segments(length: int, fill: str) -> str:
    """A path of `length` characters in segments short enough for SeaweedFS's
    filer (255 bytes a name), which S3 itself does not limit."""
    parts = [fill * 200 for _ in range(length // 201)]
    rest = length - 201 * len(parts)
    return "/".join([*parts, fill * rest] if rest > 0 else parts)


def test_long_file_names_split_pages_without_loss(client, s3, tenant):
    prefix = f"tenants/{tenant}/"
    # 900 files whose keys are the full 1024 bytes: ~1.1 MB of JSON in one S3 page.
    stem = _segments(1024 - len(prefix) - 6, "p")
    names = [f"{stem}/{i:04d}x" for i in range(900)]
    assert all(len((prefix + name).encode()) == 1024 for name in names)
    _fill(s3, [prefix + name for name in names])

    pages, files, folders = _walk(client, recursive="true")

    assert pages >= 2  # one S3 page of 900 did not fit in one response
    assert sorted(files) == sorted(names)  # each file exactly once
    assert folders == []


@pytest.mark.slow
def test_long_folder_names_resume_after_the_folder(client, s3, tenant):
    prefix = f"tenants/{tenant}/"
    # 900 subfolders of a deep folder, each holding two files: the listing rolls
    # them up, and a resumed page must list no folder twice and miss none.
    parent = _segments(720, "q")
    folders = [f"{parent}/{i:04d}-" + "f" * 200 for i in range(900)]
    _fill(s3, [f"{prefix}{name}/{leaf}" for name in folders for leaf in ("a", "b")])

    pages, files, listed = _walk(client, folder=parent)

    assert pages >= 2
    assert files == []
    assert sorted(listed) == sorted(folders)
