"""The shared readers of settings: a bad or missing value is named, once, at start-up."""

from __future__ import annotations

import pytest

from tenancy.settings import ConfigError, Environment


def test_empty_and_blank_values_count_as_unset() -> None:
    read = Environment({"A": "", "B": "  ", "C": " value "})
    assert read.optional("A") is None
    assert read.optional("B") is None
    assert read.optional("C") == "value"
    assert read.text("B", "fallback") == "fallback"
    with pytest.raises(ConfigError, match=r"^missing required setting B$"):
        read.required("B")


def test_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SNSD_TEST_SETTING", "from the process")
    assert Environment().required("SNSD_TEST_SETTING") == "from the process"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("soon", "setting N must be an integer, got 'soon'"),
        ("1.5", "setting N must be an integer, got '1.5'"),
        ("9", "setting N must be between 10 and 20, is 9"),
        ("21", "setting N must be between 10 and 20, is 21"),
    ],
)
def test_integers_outside_their_bounds_are_named(raw: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        Environment({"N": raw}).integer("N", 15, minimum=10, maximum=20)
    assert str(raised.value) == message


def test_integers_default_and_accept_their_bounds() -> None:
    read = Environment({"LOW": "10", "HIGH": "20"})
    assert read.integer("UNSET", 15, minimum=10, maximum=20) == 15
    assert read.integer("LOW", 15, minimum=10, maximum=20) == 10
    assert read.integer("HIGH", 15, minimum=10, maximum=20) == 20
    with pytest.raises(ConfigError, match="setting ZERO must be at least 1, is 0"):
        Environment({"ZERO": "0"}).integer("ZERO", 5)


def test_a_default_outside_bounds_set_by_another_setting_is_refused() -> None:
    """A default of 300 s is no good when the configured maximum is 120 s."""
    with pytest.raises(ConfigError, match="setting DEFAULT must be between 60 and 120, is 300"):
        Environment({}).integer("DEFAULT", 300, minimum=60, maximum=120)


@pytest.mark.parametrize("raw", ["0", "-1", "nan", "inf", "soon"])
def test_numbers_must_be_positive(raw: str) -> None:
    with pytest.raises(ConfigError, match=r"^setting T must be"):
        Environment({"T": raw}).number("T", 5.0)


def test_numbers_default_and_read_fractions() -> None:
    assert Environment({"T": "0.25"}).number("T", 5.0) == 0.25
    assert Environment({}).number("T", 5.0) == 5.0


def test_urls_lose_their_trailing_slash() -> None:
    read = Environment({"U": "https://abcdefgh.supabase.co/", "L": "http://127.0.0.1:8333"})
    assert read.url("U") == "https://abcdefgh.supabase.co"
    assert read.required_url("L") == "http://127.0.0.1:8333"
    assert read.url("UNSET") is None
    with pytest.raises(ConfigError, match=r"^missing required setting UNSET$"):
        read.required_url("UNSET")


@pytest.mark.parametrize(
    "raw", ["abcdefgh.supabase.co", "ftp://host", "https://", "https://user:hunter2@ho st"]
)
def test_a_malformed_url_is_named_without_its_value(raw: str) -> None:
    with pytest.raises(ConfigError) as raised:
        Environment({"U": raw}).url("U")
    assert str(raised.value) == "setting U must be an http(s) URL"


def test_origins_are_a_comma_list() -> None:
    read = Environment({"O": " https://app.snsdconsultant.com,,http://localhost:3000 , "})
    assert read.origins("O") == ("https://app.snsdconsultant.com", "http://localhost:3000")
    assert read.origins("UNSET") == ()


@pytest.mark.parametrize(
    "origin", ["https://app.snsdconsultant.com/", "https://*.snsdconsultant.com", "*", "app.io"]
)
def test_an_origin_a_browser_would_never_send_is_refused(origin: str) -> None:
    """A trailing slash or a wildcard would silently match no browser's `Origin`."""
    with pytest.raises(
        ConfigError, match=r"^setting O must list origins as scheme://host\[:port\]"
    ):
        Environment({"O": f"https://ok.example,{origin}"}).origins("O")


@pytest.mark.parametrize(
    ("values", "region"),
    [
        ({"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "us-west-2"}, "eu-west-1"),
        ({"AWS_DEFAULT_REGION": "us-west-2"}, "us-west-2"),
        ({"AWS_REGION": ""}, "us-east-1"),
    ],
)
def test_the_region_is_read_as_boto3_reads_it(values: dict[str, str], region: str) -> None:
    assert Environment(values).region() == region
