"""Form parity and Devanagari style (scripts/parity.py, run by `make content-check`)."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from bot.knowledge.content import load_content
from bot.knowledge.source_names import missing_source_names, reader_names
from scripts import content_check, parity

ORGS = parity.load_organisations()


def facts(text: str) -> set[str]:
    return parity.facts(text, ORGS)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("NPR 10,000", "रु १०,०००"),  # Devanagari digits folded, commas dropped
        ("NPR 7 lakh", "रु ७ लाख"),
        ("up to NPR 700,000", "बढीमा रु ७ लाख"),  # lakh and 100,000 are the same amount
        ("NPR 10 lakh", "NPR 1,000,000"),
        ("Rs 1,00,000", "1 lakh"),  # the Indian grouping too
        ("Department of Foreign Employment", "वैदेशिक रोजगार विभाग"),
        ("DoFE", "Baideshik Rojgar Bibhag"),
        ("District Legal Aid Committees", "जिल्ला कानुनी सहायता समिति"),  # plural
        ("see feims.dofe.gov.np", "feims.dofe.gov.np मा हेर्नुहोस्"),
    ],
)
def test_the_same_fact_written_two_ways_is_one_fact(a, b):
    assert facts(a) == facts(b) != set()


def test_different_facts_stay_different():
    assert facts("NPR 7 lakh") != facts("NPR 10 lakh")
    assert facts("call 1145") != facts("call 1111")
    assert facts("DoFE") != facts("Foreign Employment Board")
    assert facts("the police") == {"org:police"}
    assert facts("policeman") == set()  # a word boundary, not a substring


EN = "The agency may charge at most NPR 10,000; complain to DoFE or call police on 100."
LATN = "Badhima NPR 10,000; DoFE ma ujuri, wa Police 100 ma phone garnuhos."


def topic_yaml(ne: str, exceptions: str = "") -> str:
    return textwrap.dedent(
        f"""\
        topics:
          - id: fees
            intent: ask_fees
            confidence: high
            sources: ["Himalayan Times"]
            last_reviewed: 2026-11-28
            {exceptions}
            answer:
              en: {{sms: "{EN}"}}
              ne: {{sms: "{ne}"}}
              ne-Latn: {{sms: "{LATN}"}}
        """
    )


@pytest.fixture
def project(tmp_path: Path, repo_root: Path):
    """A minimal project root: one content file plus the real organisation names."""
    reference = tmp_path / "data" / "content" / "reference"
    reference.mkdir(parents=True)
    shutil.copy(repo_root / parity.ORGANISATIONS_RELATIVE, reference / "organisations.yml")

    def write(ne: str, exceptions: str = "") -> content_check.Report:
        (tmp_path / "data" / "content" / "fees.yml").write_text(
            topic_yaml(ne, exceptions), encoding="utf-8"
        )
        report = content_check.Report()
        content = load_content(tmp_path / "data" / "content")
        assert not content.problems
        content_check.check_parity(report, tmp_path, content)
        return report

    return write


def test_the_check_passes_when_all_forms_have_the_same_facts(project):
    report = project("बढीमा रु १०,०००; वैदेशिक रोजगार विभागमा उजुरी वा प्रहरी १००।")
    assert report.errors == []


def test_the_check_fails_when_a_form_drops_a_number(project):
    report = project("म्यानपावरले थोरै मात्र लिन पाउँछ; वैदेशिक रोजगार विभागमा उजुरी वा प्रहरी १००।")
    assert len(report.errors) == 1
    assert "facts differ" in report.errors[0] and "'10000'" in report.errors[0]
    assert "not in ne" in report.errors[0]


def test_the_check_fails_when_a_form_drops_an_organisation(project):
    report = project("बढीमा रु १०,०००; उजुरी दिनुहोस् वा प्रहरी १००।")
    assert any("'org:dofe'" in e for e in report.errors), report.errors


def test_a_reasoned_exception_excuses_a_difference(project):
    exceptions = 'parity_exceptions: {"org:dofe": "the Devanagari SMS has no room"}'
    report = project("बढीमा रु १०,०००; उजुरी दिनुहोस् वा प्रहरी १००।", exceptions)
    assert report.errors == []


def test_an_exception_that_is_no_longer_needed_is_reported(project):
    exceptions = 'parity_exceptions: {"10000": "old reason"}'
    report = project("बढीमा रु १०,०००; वैदेशिक रोजगार विभागमा उजुरी वा प्रहरी १००।", exceptions)
    assert len(report.errors) == 1 and "no longer differs" in report.errors[0]


def test_web_texts_are_compared_with_the_web_text_each_form_shows(repo_root):
    content = load_content(repo_root / "data" / "content")
    topic = next(t for t in content.topics if t.id == "compensation")
    assert topic.answer["en"].web and topic.answer["ne"].web
    result = parity.check_topic(topic, {})
    assert result.mismatches == []
    assert all(m.channel in ("sms", "web") for m in result.excused)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("प्रहरी 100 वा २४ घण्टा", "one digit style"),
        ("प्रहरी १०० (२०२५)", "AD year 2025 is not marked"),
    ],
)
def test_devanagari_style_problems(text, problem):
    assert any(problem in p for p in parity.style_problems(text, "ne"))


@pytest.mark.parametrize(
    "text",
    [
        "प्रहरी १००, सन् २०२५ देखि",
        "प्रहरी 100 (24 घण्टा)",
        "ऐन २०६४",
        "हेर्नुहोस् qa.nepalembassy.gov.np २०८१ असोज",
    ],
)
def test_devanagari_style_accepts_one_digit_style_and_marked_years(text):
    assert parity.style_problems(text, "ne") == []


def test_a_zero_width_non_joiner_is_an_error_but_the_eyelash_ra_is_not():
    report = content_check.Report()
    content_check.check_text(report, "t", "ne", "आपत्\u200cकालमा", sms=False)
    assert any("zero-width non-joiner" in e for e in report.errors)
    report = content_check.Report()
    content_check.check_text(report, "t", "ne", "पुर्\u200dयाउँछ", sms=False)
    assert report.errors == []


def test_every_real_source_has_a_short_name_in_every_form(repo_root):
    content = load_content(repo_root / "data" / "content")
    names_file = repo_root / "data" / "content" / "reference" / "source_names.yml"
    assert missing_source_names(content.topics, names_file) == []
    topic = next(t for t in content.topics if t.id == "compensation")
    for form in ("en", "ne", "ne-Latn"):
        names = reader_names(topic.sources, form, names_file)
        assert names and len(names) == len(set(names))  # no duplicated citations
    assert "द हिमालयन टाइम्स" in reader_names(topic.sources, "ne", names_file)


def test_a_source_without_a_short_name_is_reported(tmp_path):
    names = tmp_path / "names.yml"
    names.write_text('names:\n  - {match: ["Acme"], en: A, ne: ए, ne-Latn: A}\n', "utf-8")

    class T:
        id, sources = "t", ("Acme paper", "Other blog")

    assert missing_source_names([T()], names) == [("t", "Other blog")]
