"""The ALB glue around Mangum: same answers, less work."""

import base64

from hypothesis import given
from hypothesis import strategies as st
from mangum import Mangum
from mangum.handlers import alb as mangum_alb

from dev.alb import LambdaContext, build_event
from file_lambda import alb

names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-0123456789", min_size=1, max_size=30)


@given(st.dictionaries(names, st.lists(st.text(max_size=10), max_size=4), max_size=12))
def test_faster_casing_gives_mangums_result(multi_value_headers):
    expected = mangum_alb.case_mutated_headers(multi_value_headers)
    assert alb._case_mutated_headers(multi_value_headers) == expected


# Mangum's own ALB handler, configured as it would have to be for the
# handler's rule that every body goes out base64-encoded.
MANGUM_CONFIG = {
    "api_gateway_base_path": "/",
    "text_mime_types": ["application/x-never-text"],
    "exclude_headers": ["x-excluded"],
}
header_values = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=20)
response_headers = st.lists(
    st.tuples(
        st.sampled_from(["content-type", "ETag", "set-cookie", "x-excluded", "vary"]), header_values
    ),
    max_size=8,
)
# (Not `host` or `x-forwarded-port`: both handlers parse those into the server.)
event_headers = st.dictionaries(
    names.filter(lambda name: name not in ("host", "x-forwarded-port")), header_values, max_size=6
)


@given(
    multi_value=st.booleans(),
    headers=event_headers,
    request_body=st.binary(max_size=300),
    status=st.sampled_from([200, 201, 204, 307, 404, 503]),
    sent=response_headers,
    response_body=st.binary(max_size=300),
)
def test_the_handler_class_answers_as_mangums_own(
    multi_value, headers, request_body, status, sent, response_body
):
    event = build_event(
        "POST", "/files/upload", headers=headers, body=request_body, multi_value=multi_value
    )
    context = LambdaContext()
    ours = alb.AlbHandler(event, context, MANGUM_CONFIG)
    theirs = mangum_alb.ALB(event, context, MANGUM_CONFIG)
    assert ours.body == theirs.body == request_body
    assert ours.scope == theirs.scope
    response = {
        "status": status,
        "headers": [(name.encode(), value.encode()) for name, value in sent],
        "body": response_body,
    }
    assert ours(response) == theirs(response)


@given(st.binary(max_size=5000))
def test_pybase64_agrees_with_the_standard_library(data):
    encoded = base64.b64encode(data)
    assert alb.pybase64.b64encode(data) == encoded
    assert alb.pybase64.b64decode(encoded.decode()) == data


def test_the_handler_uses_the_leaner_class(lambda_module):
    asgi = lambda_module._asgi
    assert isinstance(asgi, Mangum)
    assert asgi.infer(build_event("GET", "/files/health"), LambdaContext()).__class__ is (
        alb.AlbHandler
    )


def test_trace_id_from_either_header_form():
    for multi_value in (False, True):
        event = build_event("GET", "/files/health", multi_value=multi_value)
        assert alb.trace_id(event) == "Root=1-5c536348-3d683b8b04734faae651f476"
    assert alb.trace_id({"headers": {}}) is None
    assert alb.trace_id({"multiValueHeaders": {}}) is None


def test_the_handler_builds_each_events_scope_once(lambda_module, monkeypatch):
    built = []
    transform = mangum_alb.transform_headers

    def counted(event):
        built.append(event["path"])
        return transform(event)

    monkeypatch.setattr(mangum_alb, "transform_headers", counted)
    for multi_value in (False, True):
        event = build_event("GET", "/files/health", multi_value=multi_value)
        response = lambda_module.handler(event, LambdaContext())
        assert response["statusCode"] == 200
        assert ("multiValueHeaders" in response) is multi_value  # the form Mangum learns
    assert built == ["/files/health", "/files/health"]
