"""Every S3 error is translated at the adapter's boundary into a domain error.

Stubbed responses (botocore's Stubber): these cases cannot be provoked on
demand from a real server.
"""

import boto3
import pytest
from botocore.stub import Stubber

from file_lambda.storage.port import (
    InvalidContinuation,
    NotModified,
    ObjectExists,
    ObjectNotFound,
    ObjectUnreadable,
    StorageError,
    StorageUnavailable,
)
from file_lambda.storage.s3 import S3Storage


@pytest.fixture
def stubbed():
    client = boto3.client("s3", region_name="us-east-1", endpoint_url="http://127.0.0.1:9")
    with Stubber(client) as stubber:
        yield S3Storage(client, "test-bucket"), stubber


@pytest.mark.parametrize(
    ("code", "status", "version_id", "expected"),
    [
        ("NoSuchKey", 404, None, ObjectNotFound),
        ("404", 404, None, ObjectNotFound),
        ("NoSuchVersion", 404, "v1", ObjectNotFound),
        ("InvalidArgument", 400, "not-a-version", ObjectNotFound),
        ("InvalidArgument", 400, None, StorageError),
        # A read storage refuses (in AWS: the bucket policy's deny of a version
        # GuardDuty tagged infected): a storage error the domains can tell apart.
        ("AccessDenied", 403, None, ObjectUnreadable),
        ("403", 403, "v1", ObjectUnreadable),
        ("SlowDown", 503, None, StorageUnavailable),
        ("InternalError", 500, None, StorageUnavailable),
    ],
)
def test_head_errors(stubbed, code, status, version_id, expected):
    storage, stubber = stubbed
    stubber.add_client_error("head_object", service_error_code=code, http_status_code=status)
    with pytest.raises(expected) as raised:
        storage.head("tenants/t/a.txt", version_id)
    assert "tenants/" not in raised.value.args[0]
    assert code not in raised.value.args[0]  # S3's words stay in the log


def test_not_modified_keeps_the_etag(stubbed):
    storage, stubber = stubbed
    stubber.add_client_error(
        "get_object",
        service_error_code="304",
        http_status_code=304,
        response_meta={"HTTPHeaders": {"etag": '"abc"'}},
    )
    with pytest.raises(NotModified) as raised:
        storage.open("tenants/t/a.txt", if_none_match='"abc"')
    assert raised.value.etag == '"abc"'


def test_a_lost_conditional_write_is_a_conflict(stubbed):
    storage, stubber = stubbed
    stubber.add_client_error(
        "put_object", service_error_code="PreconditionFailed", http_status_code=412
    )
    with pytest.raises(ObjectExists):
        storage.put("tenants/t/a.txt", b"x", "text/plain", {}, overwrite=False)


def test_an_unrecognised_continuation_token_is_the_clients_bad_cursor(stubbed):
    storage, stubber = stubbed
    stubber.add_client_error(
        "list_objects_v2", service_error_code="InvalidArgument", http_status_code=400
    )
    with pytest.raises(InvalidContinuation) as raised:
        storage.list_page("tenants/t/", "/", 10, token="forged")
    assert raised.value.status == 400


def test_a_refused_read_is_unreadable_and_a_refused_write_is_not(stubbed):
    storage, stubber = stubbed
    stubber.add_client_error("get_object", service_error_code="AccessDenied", http_status_code=403)
    with pytest.raises(ObjectUnreadable):
        storage.open("tenants/t/a.txt")
    stubber.add_client_error("put_object", service_error_code="AccessDenied", http_status_code=403)
    with pytest.raises(StorageError) as raised:
        storage.put("tenants/t/a.txt", b"x", "text/plain", {}, overwrite=True)
    assert not isinstance(raised.value, ObjectUnreadable)
