"""The wrap-up form as data (data/wrapup_form.yml), checked when the gateway starts.

NGO staff change the file, not the code, like Aselo's form definitions. Every field has a
stable ``key`` (what records store and reports group by) and a ``label`` (what counsellors
read, free to reword). A broken file stops start-up with every problem listed by place:
a console that silently drops a field would lose records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

FIELD_TYPES = {
    "choice": "one of the options",
    "multi_choice": "any of the options",
    "text": "a short free text",
    "country": "a country from data/geo (or Nepal)",
    "referrals": "entries of the referral directory given to the person",
    "follow_up": "a task and its due date",
}
WITH_OPTIONS = {"choice", "multi_choice"}
KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
FIELD_KEYS = {"key", "type", "label", "hint", "required", "options", "max_length"}
OUTCOME_KEY = "outcome"  # the one field every definition must have: the close needs it
DEFAULT_MAX_LENGTH = 200
MAX_TEXT_LENGTH = 1000


class FormDefinitionError(ValueError):
    """The definition file is not usable; the message lists every problem by place."""


@dataclass(frozen=True)
class Option:
    key: str
    label: str


@dataclass(frozen=True)
class FieldDefinition:
    key: str
    type: str
    label: str
    hint: str = ""
    required: bool = False
    options: tuple[Option, ...] = ()
    max_length: int = DEFAULT_MAX_LENGTH

    def label_of(self, option_key: str) -> str:
        return next((o.label for o in self.options if o.key == option_key), option_key)


@dataclass(frozen=True)
class FormDefinition:
    version: str
    fields: tuple[FieldDefinition, ...]
    source: str = field(default="", compare=False)

    def get(self, key: str) -> FieldDefinition | None:
        return next((f for f in self.fields if f.key == key), None)

    @property
    def outcome(self) -> FieldDefinition:
        found = self.get(OUTCOME_KEY)
        assert found is not None  # guaranteed by the loader
        return found


def load_form_definition(path: str | Path) -> FormDefinition:
    """Read and check the definition; raise FormDefinitionError listing every problem."""
    name = str(path)
    try:
        with open(path, encoding="utf-8") as handle:
            raw = yaml.safe_load(handle)
    except OSError as error:
        raise FormDefinitionError(f"{name}: cannot be read ({error.strerror})") from None
    except yaml.YAMLError as error:
        raise FormDefinitionError(f"{name}: not valid YAML ({error})") from None
    return parse_form_definition(raw, name)


def parse_form_definition(raw: Any, name: str = "wrap-up form") -> FormDefinition:
    problems: list[str] = []
    if not isinstance(raw, dict):
        raise FormDefinitionError(f"{name}: expected a mapping with 'version' and 'fields'")
    version = raw.get("version")
    if not isinstance(version, (str, int)) or not str(version).strip():
        problems.append("'version' is missing: give the date or number of this version")
    unknown = sorted(set(raw) - {"version", "fields", "description"})
    if unknown:
        problems.append(f"unknown top-level entries {unknown}")
    raw_fields = raw.get("fields")
    fields: list[FieldDefinition] = []
    if not isinstance(raw_fields, list) or not raw_fields:
        problems.append("'fields' must be a non-empty list")
        raw_fields = []
    seen: set[str] = set()
    for index, item in enumerate(raw_fields):
        parsed = _field(item, f"fields[{index}]", problems)
        if parsed is None:
            continue
        if parsed.key in seen:
            problems.append(f"fields[{index}]: key '{parsed.key}' is used twice")
        seen.add(parsed.key)
        fields.append(parsed)
    outcome = next((f for f in fields if f.key == OUTCOME_KEY), None)
    if raw_fields and outcome is None:
        problems.append(f"a required 'choice' field with key '{OUTCOME_KEY}' is missing")
    elif outcome is not None and (outcome.type != "choice" or not outcome.required):
        problems.append(f"field '{OUTCOME_KEY}' must be of type 'choice' and required: true")
    if problems:
        raise FormDefinitionError(
            f"{name} has {len(problems)} problem(s):\n" + "\n".join(f"  - {p}" for p in problems)
        )
    return FormDefinition(str(version).strip(), tuple(fields), name)


def _field(item: Any, where: str, problems: list[str]) -> FieldDefinition | None:
    if not isinstance(item, dict):
        problems.append(f"{where}: expected a mapping with key, type and label")
        return None
    key = item.get("key")
    if not isinstance(key, str) or not KEY.match(key):
        problems.append(
            f"{where}: key {key!r} must be lower-case letters, digits and '_' (it is what "
            "records store: never rename a key in use)"
        )
        return None
    where = f"{where} ({key})"
    before = len(problems)
    unknown = sorted(set(item) - FIELD_KEYS)
    if unknown:
        problems.append(f"{where}: unknown entries {unknown}")
    kind = item.get("type")
    if kind not in FIELD_TYPES:
        problems.append(f"{where}: type {kind!r} is not one of {', '.join(FIELD_TYPES)}")
    label = item.get("label")
    if not isinstance(label, str) or not label.strip():
        problems.append(f"{where}: 'label' is missing")
    required = item.get("required", False)
    if not isinstance(required, bool):
        problems.append(f"{where}: 'required' must be true or false")
    options = _options(item.get("options"), kind, where, problems)
    max_length = item.get("max_length", DEFAULT_MAX_LENGTH)
    if "max_length" in item and kind != "text":
        problems.append(f"{where}: 'max_length' applies to text fields only")
    elif not isinstance(max_length, int) or not 1 <= max_length <= MAX_TEXT_LENGTH:
        problems.append(f"{where}: 'max_length' must be a number from 1 to {MAX_TEXT_LENGTH}")
    if len(problems) > before:
        return None
    return FieldDefinition(
        key=key,
        type=kind,
        label=label.strip(),
        hint=str(item.get("hint") or "").strip(),
        required=required,
        options=options,
        max_length=max_length,
    )


def _options(raw: Any, kind: Any, where: str, problems: list[str]) -> tuple[Option, ...]:
    if kind not in WITH_OPTIONS:
        if raw is not None:
            problems.append(f"{where}: only choice fields have 'options'")
        return ()
    if not isinstance(raw, list) or not raw:
        problems.append(f"{where}: a {kind} field needs a non-empty list of 'options'")
        return ()
    options: list[Option] = []
    for index, entry in enumerate(raw):
        # Each option is {key: label}: one entry per line in the file.
        if not (isinstance(entry, dict) and len(entry) == 1):
            problems.append(f"{where}: options[{index}] must be written 'key: label'")
            continue
        [(key, label)] = entry.items()
        if not isinstance(key, str) or not KEY.match(key):
            problems.append(f"{where}: option key {key!r} must be lower-case letters, digits, '_'")
        elif not isinstance(label, str) or not label.strip():
            problems.append(f"{where}: option '{key}' has no label")
        elif any(o.key == key for o in options):
            problems.append(f"{where}: option '{key}' is listed twice")
        else:
            options.append(Option(key, label.strip()))
    return tuple(options)
