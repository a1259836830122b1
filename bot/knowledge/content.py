"""Load answer content from ``data/content/*.yml`` (schema in data/content/README.md).

Pure: plain dataclasses and PyYAML, no Rasa import. The loader is tolerant: a malformed
topic is skipped and described in ``Content.problems`` so that the action keeps serving the
other topics and ``scripts.content_check`` can report every problem at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.knowledge.countries import canonical_country
from bot.knowledge.forms import FORMS

CONFIDENCE_LEVELS = ("high", "medium")


@dataclass(frozen=True)
class Text:
    """One answer in one language form."""

    sms: str
    web: str | None = None

    def for_channel(self, channel: str) -> str:
        """The web widget gets the longer text if there is one; every other channel the SMS."""
        if channel == "web" and self.web:
            return self.web
        return self.sms


@dataclass(frozen=True)
class Topic:
    id: str
    intent: str
    confidence: str
    sources: tuple[str, ...]
    last_reviewed: dt.date | None
    answer: dict[str, Text]
    countries: dict[str, dict[str, Text]] = field(default_factory=dict)
    file: str = ""

    def text(self, form: str, country: str | None = None) -> Text | None:
        """The answer in ``form`` (for ``country`` if a variant exists), else None."""
        if country is not None:
            variant = self.countries.get(country)
            return variant.get(form) if variant else None
        return self.answer.get(form)


@dataclass
class Content:
    topics: list[Topic] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def by_intent(self, intent: str) -> Topic | None:
        return next((t for t in self.topics if t.intent == intent), None)

    def by_id(self, topic_id: str) -> Topic | None:
        return next((t for t in self.topics if t.id == topic_id), None)


def _parse_text(raw: object, where: str, problems: list[str]) -> Text | None:
    if isinstance(raw, str):  # tolerate `en: "..."` as shorthand for `en: {sms: "..."}`
        raw = {"sms": raw}
    if not isinstance(raw, dict):
        problems.append(f"{where}: expected a mapping with 'sms' (and optional 'web')")
        return None
    sms, web = raw.get("sms"), raw.get("web")
    if not isinstance(sms, str) or not sms.strip():
        problems.append(f"{where}: missing 'sms' text")
        return None
    if web is not None and not isinstance(web, str):
        problems.append(f"{where}: 'web' must be text")
        web = None
    return Text(sms=sms.strip(), web=web.strip() if web else None)


def _parse_forms(raw: object, where: str, problems: list[str]) -> dict[str, Text]:
    if not isinstance(raw, dict):
        problems.append(f"{where}: expected a mapping of language forms {', '.join(FORMS)}")
        return {}
    texts: dict[str, Text] = {}
    for form in FORMS:
        if form not in raw:
            problems.append(f"{where}: missing language form '{form}'")
            continue
        text = _parse_text(raw[form], f"{where}.{form}", problems)
        if text is not None:
            texts[form] = text
    for extra in sorted(set(map(str, raw)) - set(FORMS)):
        problems.append(f"{where}: unknown language form '{extra}'")
    return texts


def _parse_date(raw: object) -> dt.date | None:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, str):
        try:
            return dt.date.fromisoformat(raw.strip())
        except ValueError:
            return None
    return None


def parse_topic(raw: object, file: str, problems: list[str]) -> Topic | None:
    """One topic from its YAML mapping; problems are appended, None if unusable."""
    if not isinstance(raw, dict):
        problems.append(f"{file}: a topic is not a mapping")
        return None
    topic_id = str(raw.get("id") or "").strip()
    where = f"{file}: topic '{topic_id or '?'}'"
    intent = str(raw.get("intent") or "").strip()
    if not topic_id or not intent:
        problems.append(f"{where}: needs both 'id' and 'intent'")
        return None
    confidence = str(raw.get("confidence") or "").strip()
    if confidence not in CONFIDENCE_LEVELS:
        problems.append(f"{where}: confidence must be high or medium, not '{confidence}'")
    sources_raw = raw.get("sources") or []
    if isinstance(sources_raw, str):
        sources_raw = [sources_raw]
    sources = tuple(str(s).strip() for s in sources_raw if str(s).strip())
    if not sources:
        problems.append(f"{where}: needs at least one source")
    last_reviewed = _parse_date(raw.get("last_reviewed"))
    if last_reviewed is None:
        problems.append(f"{where}: last_reviewed must be a date (YYYY-MM-DD)")
    answer = _parse_forms(raw.get("answer"), f"{where} answer", problems)
    if not answer:
        return None
    countries: dict[str, dict[str, Text]] = {}
    raw_countries = raw.get("countries") or {}
    if not isinstance(raw_countries, dict):
        problems.append(f"{where}: 'countries' must map country ids to answers")
        raw_countries = {}
    for key, variant in raw_countries.items():
        # One id scheme (ISO codes of data/geo/countries.yml); reviewers may write a name.
        country = canonical_country(str(key))
        if country is None:
            problems.append(f"{where}: unknown country '{key}' (see data/geo/countries.yml)")
            continue
        texts = _parse_forms(variant, f"{where} countries.{key}", problems)
        if texts:
            countries[country] = texts
    return Topic(
        id=topic_id,
        intent=intent,
        confidence=confidence,
        sources=sources,
        last_reviewed=last_reviewed,
        answer=answer,
        countries=countries,
        file=file,
    )


def load_content(content_dir: str | Path) -> Content:
    """Read every ``*.yml``/``*.yaml`` file in ``content_dir`` (README and others ignored)."""
    content = Content()
    directory = Path(content_dir)
    if not directory.is_dir():
        content.problems.append(f"{directory}: content directory not found")
        return content
    files = sorted([*directory.glob("*.yml"), *directory.glob("*.yaml")])
    seen_ids: dict[str, str] = {}
    seen_intents: dict[str, str] = {}
    for path in files:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            content.problems.append(f"{path.name}: cannot read YAML ({exc})")
            continue
        raw_topics = data.get("topics") if isinstance(data, dict) else None
        if not isinstance(raw_topics, list):
            content.problems.append(f"{path.name}: expected a top-level 'topics:' list")
            continue
        for raw in raw_topics:
            topic = parse_topic(raw, path.name, content.problems)
            if topic is None:
                continue
            if topic.id in seen_ids:
                content.problems.append(
                    f"{path.name}: topic id '{topic.id}' already used in {seen_ids[topic.id]}"
                )
                continue
            if topic.intent in seen_intents:
                content.problems.append(
                    f"{path.name}: intent '{topic.intent}' already answered by topic "
                    f"'{seen_intents[topic.intent]}'"
                )
                continue
            seen_ids[topic.id] = path.name
            seen_intents[topic.intent] = topic.id
            content.topics.append(topic)
    return content
