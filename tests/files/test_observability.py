"""Powertools logs and metrics of the handler: what CloudWatch will receive."""

import io
import json

import pytest


@pytest.fixture
def logs(lambda_module):
    """The JSON log lines the handler writes during the test."""
    stream = io.StringIO()
    handler = lambda_module.logger.registered_handler
    previous = handler.setStream(stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    handler.setStream(previous)


def _metrics(captured: str) -> dict:
    [line] = [line for line in captured.splitlines() if line.startswith('{"_aws"')]
    return json.loads(line)


def test_error_logs_carry_the_alb_trace_id_in_both_header_forms(client, header_form, logs):
    client.multi_value = header_form
    assert client.get("/files/metadata/missing.txt").status == 404

    [log] = [line for line in logs() if line.get("message") == "request"]
    assert log["correlation_id"] == "Root=1-5c536348-3d683b8b04734faae651f476"
    assert (log["level"], log["status"], log["method"]) == ("INFO", 404, "GET")


def test_metrics_count_uploads(client, capsys):
    response = client.post(
        "/files/upload", files={"file": ("report.csv", b"a,b\n1,2\n", "text/csv")}
    )
    assert response.status == 201
    emf = _metrics(capsys.readouterr().out)
    names = {m["Name"] for m in emf["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert {"Uploads", "UploadBytes"} <= names
    assert emf["UploadBytes"] == [8.0]


def test_client_errors_are_counted(client, capsys):
    assert client.get("/files/metadata/missing.txt").status == 404
    assert _metrics(capsys.readouterr().out)["ClientErrors"] == [1.0]


def test_no_token_reaches_the_logs(client, logs, capsys):
    client.get("/files/list")
    client.get("/files/download/nope.txt")  # a 404: logged
    client.get("/files/list", headers={"authorization": "Bearer not-a-token"})
    written = json.dumps(logs()) + capsys.readouterr().out
    assert "request" in written  # the capture works
    assert client.token not in written
    assert "not-a-token" not in written
