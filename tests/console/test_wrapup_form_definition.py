"""The wrap-up form definition (data/wrapup_form.yml): loaded, checked, and a broken one
stops start-up with a message that says what is wrong and where."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.gateway.support import settings_for
from webhooks import create_app
from webhooks.cases.form_definition import (
    FormDefinitionError,
    load_form_definition,
    parse_form_definition,
)
from webhooks.config import REPO_ROOT

SHIPPED = Path(REPO_ROOT) / "data" / "wrapup_form.yml"


def minimal(**changes: Any) -> dict[str, Any]:
    definition: dict[str, Any] = {
        "version": "1",
        "fields": [
            {"key": "outcome", "type": "choice", "required": True, "label": "Outcome",
             "options": [{"referred": "Referred"}, {"other": "Other"}]},
        ],
    }  # fmt: skip
    definition.update(changes)
    return definition


def test_the_shipped_definition_has_the_fields_the_issue_asks_for() -> None:
    definition = load_form_definition(SHIPPED)
    keys = [f.key for f in definition.fields]
    assert keys == [
        "what_happened", "country", "route", "self_description", "referrals", "follow_up",
        "outcome",
    ]  # fmt: skip
    what = definition.get("what_happened")
    assert {o.key for o in what.options} >= {
        "labour_exploitation", "sex_trafficking", "forced_labour_home", "agent_fraud",
        "wage_theft", "domestic_violence", "other",
    }  # fmt: skip
    how = definition.get("self_description")
    assert [o.key for o in how.options] == [
        "as_victim", "as_worker_grievance", "unsure", "not_asked",
    ]  # fmt: skip
    assert how.required and definition.outcome.required


def test_a_minimal_definition_loads() -> None:
    definition = parse_form_definition(minimal())
    assert definition.version == "1" and definition.outcome.label_of("referred") == "Referred"


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (minimal(fields=[]), "'fields' must be a non-empty list"),
        (minimal(version=""), "'version' is missing"),
        (
            minimal(fields=[{"key": "what", "type": "choice", "label": "What", "options": []}]),
            "fields[0] (what): a choice field needs a non-empty list of 'options'",
        ),
        (
            minimal(fields=[{"key": "Bad Key", "type": "text", "label": "x"}]),
            "fields[0]: key 'Bad Key' must be lower-case",
        ),
        (
            minimal(fields=[{"key": "x", "type": "dropdown", "label": "x"}]),
            "type 'dropdown' is not one of",
        ),
        (
            minimal(fields=[{"key": "x", "type": "text", "label": "x", "lable": "typo"}]),
            "fields[0] (x): unknown entries ['lable']",
        ),
        (
            minimal(fields=[{"key": "x", "type": "text", "label": "x"}]),
            "a required 'choice' field with key 'outcome' is missing",
        ),
        (
            minimal(
                fields=[
                    {
                        "key": "outcome",
                        "type": "choice",
                        "label": "Outcome",
                        "options": [{"a": "A"}, {"a": "again"}],
                    },
                ]
            ),
            "option 'a' is listed twice",
        ),
        (
            minimal(
                fields=[
                    {
                        "key": "outcome",
                        "type": "choice",
                        "label": "Outcome",
                        "options": [{"a": "A"}],
                    }
                ]
            ),
            "field 'outcome' must be of type 'choice' and required: true",
        ),
        ("just text", "expected a mapping"),
    ],
)
def test_a_broken_definition_is_a_clear_error(broken: Any, message: str) -> None:
    with pytest.raises(FormDefinitionError) as raised:
        parse_form_definition(broken, "data/wrapup_form.yml")
    assert message in str(raised.value)
    assert str(raised.value).startswith("data/wrapup_form.yml")


def test_every_problem_is_listed_at_once() -> None:
    broken = minimal(version="", fields=[{"key": "x", "type": "nope"}])
    with pytest.raises(FormDefinitionError) as raised:
        parse_form_definition(broken)
    text = str(raised.value)
    assert "'version' is missing" in text and "type 'nope'" in text and "'label' is missing" in text


def test_the_gateway_refuses_to_start_with_a_broken_definition(tmp_path: Path) -> None:
    path = tmp_path / "wrapup.yml"
    path.write_text(yaml.safe_dump(minimal(fields=[{"key": "x", "type": "text", "label": "x"}])))
    with pytest.raises(FormDefinitionError, match="'outcome' is missing"):
        create_app(settings_for(tmp_path, WRAPUP_FORM=str(path)))
    path.write_text("fields: [unclosed")
    with pytest.raises(FormDefinitionError, match="not valid YAML"):
        create_app(settings_for(tmp_path, WRAPUP_FORM=str(path)))
    with pytest.raises(FormDefinitionError, match="cannot be read"):
        create_app(settings_for(tmp_path, WRAPUP_FORM=str(tmp_path / "missing.yml")))
