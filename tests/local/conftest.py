"""tests/local's fixtures: one `make dev` for the package (tests/support/stack.py), the page
server its origin list allows, and the system's Chromium."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.browser import CHROMIUM_ARGS, PageServer, chromium_path
from tests.support.stack import Stack, own_stack


@pytest.fixture(scope="package")
def page_server() -> Iterator[PageServer]:
    server = PageServer()
    yield server
    server.stop()


@pytest.fixture(scope="package")
def stack(page_server: PageServer) -> Iterator[Stack]:
    """One `make dev` for tests/local; its origin list allows the page server's `localhost`."""
    with own_stack("snsd-local-", page_server.allowed_origin) as running:
        yield running


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """Headless Chromium, the machine's own: skipped without one, except on CI."""
    executable = chromium_path()
    if executable is None:
        message = "chromium is missing: `apt-get install chromium`, or set CHROMIUM_PATH"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()
