"""Real questions, typed the way people text, through the SMS path of the running service.

Each question starts a new conversation (a new number), so the answer's language form comes
from the question alone. The reply must be the reviewed answer text for the right topic, in
the same form, exactly as it stands in data/content/ - at once, or after the one clarification
question the bot may ask when two topics are close (the person answers with the topic's number).
"""

from __future__ import annotations

import pytest

from bot.knowledge.content import load_content
from bot.understanding.topics import load_topics
from scripts.train import ROOT
from tests.e2e.conftest import Service
from tests.e2e.test_sms_end_to_end import text_sms

pytestmark = pytest.mark.e2e

QUESTIONS = {
    "en": [
        ("how do i get a labour permit to work abroad", "labour_permit"),
        ("who pays for my visa and air ticket to qatar", "free_visa_free_ticket:QA"),
        ("how to check if a manpower company is real", "verify_agency"),
        ("where do i complain about my agent who cheated me", "complain_dofe"),
        ("can i go to dubai on a visit visa and work there", "visit_visa"),
        ("is pre departure orientation training compulsory", "orientation"),
        ("my husband died in saudi can we get compensation", "compensation"),
        ("what is human trafficking", "trafficking_definition"),
        ("what is the minimum wage in nepal", "minimum_wage"),
        ("how can i go to korea for work", "eps_korea"),
        # topics added by issue 11
        ("i came back from abroad for good can i get a skill certificate", "reintegration"),
        (
            "i am already working abroad without a labour permit how to get one",
            "permit_legalization",
        ),
        ("what does the one stop crisis management centre in hospital do", "shelter"),
        ("how to bring a dead body back from abroad", "death_abroad"),
        ("can i work in india without a permit", "work_in_india"),
        ("can i go to russia to work", "russia_ukraine"),
        ("how do i report a missing person", "missing_person"),
        ("how can i get my money back from the manpower company", "agency_refund"),
        ("is there a rehabilitation fund for trafficking victims", "rehabilitation_fund"),
        ("how can i report a trafficker without my name coming out", "report_confidential"),
    ],
    "ne": [
        ("श्रम स्वीकृति कसरी लिने", "labour_permit"),
        ("कतारमा भिसा र टिकटको पैसा कसले तिर्छ", "free_visa_free_ticket:QA"),
        ("म्यानपावर असली हो कि होइन कसरी थाहा पाउने", "verify_agency"),
        ("एजेन्टले ठग्यो उजुरी कहाँ गर्ने", "complain_dofe"),
        ("भिजिट भिसामा काम गर्न जान मिल्छ", "visit_visa"),
        ("अभिमुखीकरण तालिम अनिवार्य हो", "orientation"),
        ("विदेशमा मृत्यु भए परिवारले क्षतिपूर्ति पाउँछ", "compensation"),
        ("मानव बेचबिखन भनेको के हो", "trafficking_definition"),
        ("न्यूनतम तलब कति हो", "minimum_wage"),
        ("कोरिया कामका लागि कसरी जाने", "eps_korea"),
        ("विदेशबाट सधैँका लागि फर्किएँ सीपको प्रमाणपत्र पाइन्छ", "reintegration"),
        ("श्रम स्वीकृति नलिई विदेशमा काम गर्दैछु अब कसरी लिने", "permit_legalization"),
        ("अस्पतालको एकद्वार संकट व्यवस्थापन केन्द्रले के गर्छ", "shelter"),
        ("विदेशमा मरेको मान्छेको शव कसरी ल्याउने", "death_abroad"),
        ("भारतमा काम गर्न अनुमति चाहिन्छ", "work_in_india"),
        ("रुस काम गर्न जान पाइन्छ", "russia_ukraine"),
        ("हराएको मान्छेको खबर कहाँ गर्ने", "missing_person"),
        ("म्यानपावरबाट मेरो पैसा फिर्ता कसरी पाउने", "agency_refund"),
        ("बेचबिखन पीडितका लागि पुनर्स्थापना कोष छ", "rehabilitation_fund"),
    ],
    "ne-Latn": [
        ("shram swikriti kasari line", "labour_permit"),
        ("visa ra ticket ko paisa kasle tirchha", "free_visa_free_ticket"),
        ("manpower sachhi ho ki haina kasari thaha paune", "verify_agency"),
        ("agent le thagyo ujuri kaha garne", "complain_dofe"),
        ("visit visa ma kaam garna jana milcha", "visit_visa"),
        ("orientation talim anivarya ho", "orientation"),
        ("bidesh ma mrityu bhaye pariwar le chhatipurti pauchha", "compensation"),
        ("manav bechbikhan bhaneko k ho", "trafficking_definition"),
        ("minimum talab kati ho", "minimum_wage"),
        ("korea kaam garna kasari jane", "eps_korea"),
        ("bidesh bata sadhai lai pharkiye sip ko certificate paincha", "reintegration"),
        ("shram swikriti naliyi bidesh ma kaam gardai chhu aba kasari line", "permit_legalization"),
        ("aspatal ko ocmc le k garchha", "shelter"),
        ("bidesh ma mareko manchhe ko shav kasari lyaune", "death_abroad"),
        ("india ma kaam garna anumati chahinchha", "work_in_india"),
        ("russia kaam garna jana paincha", "russia_ukraine"),
        ("harayeko manchhe ko khabar kaha garne", "missing_person"),
        ("manpower bata mero paisa phirta kasari paune", "agency_refund"),
        ("bechbikhan pidit ko lagi punarsthapana kosh chha", "rehabilitation_fund"),
    ],
}
CASES = [
    (index, form, text, topic)
    for index, (form, text, topic) in enumerate(
        (form, text, topic) for form, items in QUESTIONS.items() for text, topic in items
    )
]


@pytest.fixture(scope="module")
def answers() -> dict[str, dict[str, str]]:
    """``topic`` or ``topic:country`` -> form -> the reviewed SMS text."""
    answers = {}
    for topic in load_content(ROOT / "data" / "content").topics:
        answers[topic.id] = {form: text.sms for form, text in topic.answer.items()}
        for country, variant in topic.countries.items():
            answers[f"{topic.id}:{country}"] = {form: text.sms for form, text in variant.items()}
    return answers


@pytest.mark.parametrize(
    ("index", "form", "text", "topic"), CASES, ids=[f"{f}-{t}" for _, f, _, t in CASES]
)
def test_a_real_question_gets_the_reviewed_answer_in_its_form(
    service: Service, answers, index: int, form: str, text: str, topic: str
):
    sender = f"+9779811{index:06d}"  # a new person for each question
    replies = text_sms(service, text, sender)
    expected = answers[topic][form]
    if expected not in replies:
        number = clarification_number(replies, topic.split(":")[0], form)
        assert number is not None, replies  # neither the answer nor a question offering it
        replies = text_sms(service, str(number), sender)
    assert expected in replies, replies


def clarification_number(replies: list[str], topic: str, form: str) -> int | None:
    """The number a clarification question gives ``topic`` ("1 पैसा फिर्ता"), or None."""
    label = load_topics().label(topic, form)
    for reply in replies:
        for line in reply.splitlines():
            number, _, rest = line.strip().partition(" ")
            if number.isdigit() and rest.strip() == label:
                return int(number)
    return None
