"""The topic families and the menu (data/topics.yml): complete, within the SMS budget."""

from __future__ import annotations

import pytest

from bot.knowledge.content import load_content
from bot.knowledge.forms import FORMS, NE
from bot.knowledge.project import REPO_ROOT
from bot.sms_segments import count_segments
from bot.understanding.topics import HUMAN, ROOT, load_topics, parse_topics, render

TOPICS = load_topics()
CONTENT = load_content(REPO_ROOT / "data" / "content")
SCREENS = [
    (node, form, available)
    for node in TOPICS.nodes
    for form in FORMS
    for available in (None, frozenset(t.id for t in CONTENT.topics))
]


def test_every_content_topic_is_in_exactly_one_family():
    content_ids = {topic.id for topic in CONTENT.topics}
    assert content_ids <= set(TOPICS.family_of), content_ids - set(TOPICS.family_of)
    listed = TOPICS.topics_under(ROOT)
    assert len(listed) == len(set(listed))  # no topic on two screens
    assert set(listed) == content_ids  # and every menu leaf is a content answer


def test_the_nine_families_of_the_design():
    families = TOPICS.nodes[ROOT].children
    assert families == (
        "fees", "going_abroad", "agencies", "rights", "insurance_compensation",
        "trafficking", "entertainment", "support", "service",
    )  # fmt: skip
    assert TOPICS.family_of["agency_refund"] == "fees"
    assert TOPICS.family_of["death_abroad"] == "insurance_compensation"


@pytest.mark.parametrize(("node", "form", "available"), SCREENS)
def test_every_menu_screen_fits_the_sms_budget(node, form, available):
    """One segment where the form allows (GSM-7, 160), never more than two (UCS-2: 2 x 67)."""
    text = render(TOPICS.menu_screen(node, form, available), "sms", form).text
    cost = count_segments(text)
    if form == NE:
        assert cost.segments <= 2, (node, cost, text)
    else:
        assert (cost.encoding, cost.segments) == ("GSM-7", 1), (node, cost, text)


@pytest.mark.parametrize("form", FORMS)
def test_a_clarification_of_three_long_labels_fits_two_segments(form):
    longest = sorted(TOPICS.topic_labels, key=lambda t: -len(TOPICS.label(t, form)))[:3]
    text = render(TOPICS.clarify_screen(longest, form), "sms", form).text
    assert count_segments(text).segments <= 2, text


@pytest.mark.parametrize("form", FORMS)
def test_labels_are_unique_within_a_form(form):
    labels = [TOPICS.label(t, form) for t in TOPICS.topic_labels]
    assert len(labels) == len(set(labels))
    screens = [TOPICS.label(n, form) for n in TOPICS.nodes if n != ROOT]
    assert len(screens) == len(set(screens))


def test_every_screen_has_at_most_nine_choices_and_each_leaf_is_a_topic():
    for node in TOPICS.nodes:
        children = TOPICS.children(node)
        assert 1 <= len(children) <= 9, node
        for child in children:
            assert child in TOPICS.nodes or child in TOPICS.topic_labels


def test_sms_screens_are_numbered_text_with_a_way_back():
    text = render(TOPICS.menu_screen("fees", "en"), "sms", "en").text
    assert text.splitlines()[1:] == [
        "1 Legal agency fee", "2 Other costs you pay", "3 Charged too much",
        "4 Money back from agency", "0 Back",
    ]  # fmt: skip
    root = render(TOPICS.menu_screen(ROOT, "ne"), "sms", "ne").text
    assert "0 पछाडि" not in root  # nothing above the first screen


def test_the_widget_gets_the_same_choices_as_buttons():
    screen = TOPICS.menu_screen("fees", "ne-Latn")
    web = render(screen, "web", "ne-Latn")
    sms = render(screen, "sms", "ne-Latn")
    assert web.text == "Shulka"
    assert [b["payload"] for b in web.buttons] == ["1", "2", "3", "4", "0"]
    assert [f"{b['payload']} {b['title']}" for b in web.buttons] == sms.text.splitlines()[1:]


def test_only_available_topics_are_shown_and_numbering_follows():
    screen = TOPICS.menu_screen("fees", "en", frozenset({"worker_costs", "overcharged"}))
    assert [(c.number, c.target) for c in screen.choices] == [
        (1, "worker_costs"),
        (2, "overcharged"),
    ]
    root = TOPICS.menu_screen(ROOT, "en", frozenset({"privacy"}))
    assert [c.target for c in root.choices] == ["service"]


def test_a_clarification_can_offer_a_counsellor():
    screen = TOPICS.clarify_screen(["helplines", HUMAN], "ne")
    assert [c.label for c in screen.choices] == ["हेल्पलाइन नम्बर", "परामर्शदातासँग कुरा"]


def test_broken_data_is_refused_clearly():
    good = {"screens": {}, "families": [{"id": "f", "label": dict.fromkeys(FORMS, "F"),
                                          "topics": ["t"]}],
            "topics": {"t": {"label": dict.fromkeys(FORMS, "T")}}}  # fmt: skip
    assert parse_topics(good).family_of == {"t": "f"}
    with pytest.raises(ValueError, match="without a label"):
        parse_topics({**good, "topics": {}})
    with pytest.raises(ValueError, match="missing forms"):
        parse_topics({**good, "topics": {"t": {"label": {"en": "T"}}}})
