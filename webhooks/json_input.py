"""JSON bodies whose text can be stored.

JSON may spell lone UTF-16 surrogates ("\\ud800"); Python decodes them into strings that no
database encoding accepts, so a message holding one failed at the insert with a 500 (found by
the fuzz suite). Such a body is refused as invalid JSON, a 400, wherever JSON is read: Flask's
``request.get_json`` (the app's JSON provider) and the Android webhook's own ``loads``.
"""

from __future__ import annotations

import json
from typing import Any

from flask.json.provider import DefaultJSONProvider


def _check(value: Any) -> None:
    if isinstance(value, str):
        value.encode("utf-8")  # UnicodeEncodeError (a ValueError) on a lone surrogate
    elif isinstance(value, dict):
        for key, item in value.items():
            _check(key)
            _check(item)
    elif isinstance(value, list):
        for item in value:
            _check(item)


def loads(raw: str | bytes) -> Any:
    """``json.loads`` that raises ValueError for text that is not valid Unicode."""
    data = json.loads(raw)
    _check(data)
    return data


class StrictJSONProvider(DefaultJSONProvider):
    """The app's JSON provider: ``request.get_json`` refuses lone surrogates like bad JSON."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        data = super().loads(s, **kwargs)
        _check(data)
        return data
