"""Texts the custom actions send, in the three language forms.

Responses that rules send live in domain.yml; these are the ones whose wording depends on
what an action found out (hand-off result, fallback count, missing content). Kept in code,
not in domain.yml, so that `rasa data validate` does not flag them as unused responses.
Phone numbers: only high-confidence helplines (100, 1145); referral contacts come from the
gateway's verified directory at run time, never from this file.
"""

from __future__ import annotations

from bot.knowledge.forms import EN, FORMS, NE, NE_LATN

MESSAGES: dict[str, dict[str, str]] = {
    "handoff_on_duty": {
        EN: "A counsellor has your message and will reply here{wait}. You can keep writing.",
        NE: "परामर्शदातालाई तपाईंको सन्देश पुगेको छ, यहीँ जवाफ आउँछ{wait}। लेख्दै गर्नुहोस्।",
        NE_LATN: "Counsellor lai tapaiko sandesh pugeko chha, yahi jawaf aauchha{wait}. "
        "Lekhdai garnus.",
    },
    "wait_minutes": {
        EN: " in about {minutes} minutes",
        NE: " (करिब {minutes} मिनेटमा)",
        NE_LATN: " (karib {minutes} minute ma)",
    },
    "handoff_off_duty": {
        EN: "Counsellors are not on duty now. Your message is kept and one will reply "
        "here{when}. In danger in Nepal, call 100 or 1145 (free, 24 hours).",
        NE: "अहिले परामर्शदाता ड्युटीमा हुनुहुन्न। तपाईंको सन्देश सुरक्षित छ, यहीँ जवाफ "
        "आउँछ{when}। खतरा भए 100 वा 1145 (निःशुल्क, 24 घण्टा) मा फोन गर्नुहोस्।",
        NE_LATN: "Ahile counsellor duty ma hunuhunna. Tapaiko sandesh surakshit chha, yahi "
        "jawaf aauchha{when}. Khatra bhae 100 wa 1145 (nishulka, 24 ghanta) ma phone garnus.",
    },
    "available_from": {
        EN: " from {time}",
        NE: " ({time} देखि)",
        NE_LATN: " ({time} dekhi)",
    },
    "handoff_failed": {
        EN: "I could not reach a counsellor right now. Please call 1145 (free, 24 hours, "
        "call or SMS), or 100 (Police) if you are in danger.",
        NE: "अहिले परामर्शदातासम्म पुग्न सकिनँ। कृपया 1145 (निःशुल्क, 24 घण्टा, फोन वा SMS) "
        "मा सम्पर्क गर्नुहोस्, खतरा भए 100 (प्रहरी) मा।",
        NE_LATN: "Ahile counsellor samma pugna sakina. Kripaya 1145 (nishulka, 24 ghanta, "
        "phone wa SMS) ma samparka garnus, khatra bhae 100 (Prahari) ma.",
    },
    "fallback_first": {
        EN: "Sorry, I did not understand. Please write it another way, send MENU to see the "
        "topics, or COUNSELLOR to talk to a person.",
        NE: "माफ गर्नुहोस्, मैले बुझिनँ। अर्को तरिकाले लेख्नुहोस्, विषयहरूका लागि MENU, वा "
        "मान्छेसँग कुरा गर्न COUNSELLOR पठाउनुहोस्।",
        NE_LATN: "Maaf garnus, maile bujhina. Arko tarika le lekhnus, bisaya herna MENU, wa "
        "manchhe sanga kura garna COUNSELLOR pathaunus.",
    },
    "fallback_after_clarify": {
        EN: "Sorry, I still could not find your topic. Send COUNSELLOR to talk to a person, "
        "or MENU to see all topics.",
        NE: "माफ गर्नुहोस्, अझै विषय भेटिनँ। मान्छेसँग कुरा गर्न COUNSELLOR, वा सबै विषय हेर्न MENU पठाउनुहोस्।",
        NE_LATN: "Maaf garnus, ajhai bisaya bhetina. Manchhe sanga kura garna COUNSELLOR, wa "
        "sabai bisaya herna MENU pathaunus.",
    },
    "out_of_scope_first": {
        EN: "Sorry, I can only help with safe work abroad, workers' rights and trafficking. "
        "Send MENU to see what I can help with.",
        NE: "माफ गर्नुहोस्, म वैदेशिक रोजगार, कामदारका अधिकार र बेचबिखनबारे मात्र सहयोग "
        "गर्छु। विषयहरूका लागि MENU पठाउनुहोस्।",
        NE_LATN: "Maaf garnus, ma bidesh ma kaam, kamdar ko adhikar ra bechbikhan barema "
        "matra sahayog garchhu. Bisaya herna MENU pathaunus.",
    },
    "fallback_handoff": {
        EN: "Sorry, I still did not understand. I am asking a counsellor to read this "
        "conversation.",
        NE: "माफ गर्नुहोस्, अझै बुझिनँ। म परामर्शदातालाई यो कुराकानी हेर्न अनुरोध गर्दैछु।",
        NE_LATN: "Maaf garnus, ajhai bujhina. Ma counsellor lai yo kurakani herna anurodh "
        "gardaichhu.",
    },
    "fallback_again": {
        EN: "Sorry, I did not understand. A counsellor has already been asked to reply "
        "here. Send MENU for the topics.",
        NE: "माफ गर्नुहोस्, बुझिनँ। परामर्शदातालाई यहीँ जवाफ दिन भनिसकिएको छ। विषयहरूका लागि "
        "MENU पठाउनुहोस्।",
        NE_LATN: "Maaf garnus, bujhina. Counsellor lai yahi jawaf dina bhanisakiyeko chha. "
        "Bisaya herna MENU pathaunus.",
    },
    "no_answer": {
        EN: "Sorry, I do not have an answer on that yet. Send MENU for the topics, or "
        "COUNSELLOR to talk to a person.",
        NE: "माफ गर्नुहोस्, यसबारे जवाफ अहिले मसँग छैन। विषयहरूका लागि MENU, मान्छेसँग कुरा "
        "गर्न COUNSELLOR पठाउनुहोस्।",
        NE_LATN: "Maaf garnus, yasbare jawaf ahile masanga chhaina. Bisaya herna MENU, "
        "manchhe sanga kura garna COUNSELLOR pathaunus.",
    },
    "followup_no_topic": {
        EN: "Which topic do you mean? Please ask your full question, for example about "
        "fees or the labour permit.",
        NE: "कुन विषयबारे सोध्नुभएको? पूरा प्रश्न लेख्नुहोस्, जस्तै शुल्क वा श्रम स्वीकृतिबारे।",
        NE_LATN: "Kun bisaya barema sodhnubhaeko? Pura prashna lekhnus, jastai shulka wa "
        "shram swikriti barema.",
    },
    "followup_no_country": {
        EN: "Which country do you mean? Please write its name.",
        NE: "कुन देशको कुरा गर्नुभएको? देशको नाम लेख्नुहोस्।",
        NE_LATN: "Kun desh ko kura garnubhaeko? Desh ko naam lekhnus.",
    },
    "no_country_variant": {
        EN: "I have no answer specific to {country}. The general answer:",
        NE: "{country}का लागि छुट्टै जानकारी मसँग छैन। सामान्य जवाफ:",
        NE_LATN: "{country} ko lagi chhuttai jankari masanga chhaina. Samanya jawaf:",
    },
    "source_label": {EN: "Source", NE: "स्रोत", NE_LATN: "Srot"},
    # --- referral search (actions/referrals.py). Service names, numbers, hours come from the
    # gateway's verified entries only; the only numbers written here are 1145 and 100.
    # The action puts "<need>, <place>" (labels from the gateway) in front of these three.
    "referrals_found": {
        EN: "checked contacts:",
        NE: "जाँचिएका सम्पर्क:",
        NE_LATN: "janchieka samparka:",
    },
    "referrals_no_match": {
        EN: "I have no checked service for this in that place yet. A national helpline that "
        "can help:",
        NE: "यसका लागि त्यहाँ जाँचिएको सेवा अहिलेसम्म मसँग छैन। यो राष्ट्रिय हेल्पलाइनले सहयोग गर्छ:",
        NE_LATN: "Yasko lagi tyaha janchieko sewa ahile samma masanga chhaina. Yo rastriya "
        "helpline le sahayog garchha:",
    },
    "referrals_no_match_no_fallback": {
        EN: "I have no checked service for this in that place yet. Please call 1145 (free, "
        "24 hours, call or SMS), or 100 (Police) if you are in danger.",
        NE: "यसका लागि त्यहाँ जाँचिएको सेवा अहिलेसम्म मसँग छैन। 1145 (निःशुल्क, 24 घण्टा) मा "
        "फोन गर्नुहोस्, खतरा भए 100 (प्रहरी) मा।",
        NE_LATN: "Yasko lagi tyaha janchieko sewa ahile samma masanga chhaina. 1145 (nishulka, "
        "24 ghanta) ma phone garnus, khatra bhae 100 (Prahari) ma.",
    },
    "referrals_unavailable": {
        EN: "I cannot look up services right now. Please call 1145 (free, 24 hours, call or "
        "SMS), or 100 (Police) if you are in danger.",
        NE: "अहिले सेवा खोज्न सकिनँ। कृपया 1145 (निःशुल्क, 24 घण्टा, फोन वा SMS) मा सम्पर्क "
        "गर्नुहोस्, खतरा भए 100 (प्रहरी) मा।",
        NE_LATN: "Ahile sewa khojna sakina. Kripaya 1145 (nishulka, 24 ghanta, phone wa SMS) "
        "ma samparka garnus, khatra bhae 100 (Prahari) ma.",
    },
    "referrals_ask_place": {
        EN: "Which district or town are you in? If you are abroad, which country?",
        NE: "तपाईं कुन जिल्ला वा सहरमा हुनुहुन्छ? विदेशमा हुनुहुन्छ भने कुन देशमा?",
        NE_LATN: "Tapai kun jilla wa sahar ma hunuhunchha? Bidesh ma hunuhunchha bhane kun "
        "desh ma?",
    },
    "any_need": {EN: "help", NE: "सहयोग", NE_LATN: "sahayog"},
    "open_24h": {EN: "24 hours", NE: "24 घण्टा", NE_LATN: "24 ghanta"},
    "hours_label": {EN: "Hours", NE: "समय", NE_LATN: "Samaya"},
    "languages_label": {EN: "Languages", NE: "भाषा", NE_LATN: "Bhasa"},
    "phone_label": {EN: "Phone", NE: "फोन", NE_LATN: "Phone"},
    "checked_label": {EN: "Checked", NE: "जाँचिएको मिति", NE_LATN: "Janchieko miti"},
    "language_en": {EN: "English", NE: "अंग्रेजी", NE_LATN: "Angreji"},
    "language_ne": {EN: "Nepali", NE: "नेपाली", NE_LATN: "Nepali"},
}


def message(key: str, form: str, **values: object) -> str:
    """The text ``key`` in ``form`` (English if that form is missing), formatted."""
    texts = MESSAGES[key]
    template = texts.get(form) or texts[EN]
    return template.format(**values) if values else template


def missing_forms() -> list[str]:
    """``key/form`` pairs without a text (a test keeps this empty)."""
    return [
        f"{key}/{form}" for key, texts in MESSAGES.items() for form in FORMS if not texts.get(form)
    ]
