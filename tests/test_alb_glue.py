"""The ALB glue around Mangum: same answers, less work."""

from hypothesis import given
from hypothesis import strategies as st
from mangum.handlers import alb as mangum_alb

from file_lambda import alb
from tests.support.alb import LambdaContext, build_event


def _mangums_own(multi_value_headers):
    # Mangum's implementation, as shipped (the handler replaced the module's).
    headers = {}
    for key, values in multi_value_headers.items():
        if len(values) > 0:
            casings = list(mangum_alb.islice(mangum_alb.all_casings(key), len(values)))
            for value, cased_key in zip(values, casings, strict=False):
                headers[cased_key] = value
    return headers


names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-0123456789", min_size=1, max_size=30)


@given(st.dictionaries(names, st.lists(st.text(max_size=10), max_size=4), max_size=12))
def test_faster_casing_gives_mangums_result(multi_value_headers):
    assert alb._case_mutated_headers(multi_value_headers) == _mangums_own(multi_value_headers)


def test_the_handler_uses_the_faster_casing(lambda_module):
    assert mangum_alb.case_mutated_headers is alb._case_mutated_headers


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
