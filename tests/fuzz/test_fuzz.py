"""A bounded fuzz run over every public endpoint: no response is ever a 500 (or above).

The full run (10,000 requests per endpoint, with counts) is ``bench/fuzz.py``.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from hypothesis import HealthCheck, given, settings

from tests.fuzz.targets import Context, build_app, fire, targets
from webhooks.console import auth

EXAMPLES_PER_ENDPOINT = 80
NAMES = list(targets(Context()))


@pytest.fixture
def fuzzed() -> Iterator[Any]:
    """A fresh gateway for each endpoint: one endpoint's failure cannot cascade into the next
    (a lone surrogate in widget JSON once failed its flush and every later request with it)."""
    logging.getLogger("webhooks").setLevel(logging.CRITICAL)  # odd input is logged by design
    hasher, dummy = auth.hasher, auth._DUMMY_HASH
    auth.hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # cheap: logic
    auth._DUMMY_HASH = auth.hasher.hash("dummy")
    app, client, ctx = build_app()
    try:
        with app.app_context():
            yield client, ctx
    finally:
        auth.hasher, auth._DUMMY_HASH = hasher, dummy
    shutil.rmtree(Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")).parent)


@pytest.mark.parametrize("name", NAMES)
def test_no_odd_request_gets_a_server_error(fuzzed: Any, name: str) -> None:
    client, ctx = fuzzed
    strategy = targets(ctx)[name]

    @settings(max_examples=EXAMPLES_PER_ENDPOINT, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(strategy)
    def no_server_error(call: Any) -> None:
        status = fire(client, call)
        assert status < 500, (call.method, call.path, status)

    no_server_error()
