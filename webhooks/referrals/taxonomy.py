"""The needs taxonomy: stable codes, labels in the three language forms, a few synonyms."""

from __future__ import annotations

from webhooks.referrals.geo import fold

NEEDS: dict[str, dict[str, str]] = {
    "emergency": {"en": "Emergency", "ne": "आपतकालीन", "ne-Latn": "aapatkalin"},
    "shelter": {"en": "Safe shelter", "ne": "सुरक्षित आश्रय", "ne-Latn": "surakshit aashray"},
    "legal_aid": {"en": "Legal aid", "ne": "कानुनी सहायता", "ne-Latn": "kanuni sahayata"},
    "health_psychosocial": {
        "en": "Health and psychosocial support",
        "ne": "स्वास्थ्य र मनोसामाजिक सहयोग",
        "ne-Latn": "swasthya ra manosamajik sahayog",
    },
    "rescue_repatriation": {
        "en": "Rescue and return from abroad",
        "ne": "विदेशबाट उद्धार र स्वदेश फिर्ती",
        "ne-Latn": "bideshbata uddhar ra swadesh firti",
    },
    "compensation_claims": {
        "en": "Compensation and claims",
        "ne": "क्षतिपूर्ति र दाबी",
        "ne-Latn": "kshatipurti ra dabi",
    },
    "pre_migration_info": {
        "en": "Information before going abroad (Migrant Resource Centres)",
        "ne": "विदेश जानुअघि जानकारी (आप्रवासी स्रोत केन्द्र)",
        "ne-Latn": "bidesh janu aghi jankari",
    },
    "children": {"en": "Children", "ne": "बालबालिका", "ne-Latn": "balbalika"},
    "entertainment_workers": {
        "en": "Entertainment-sector workers",
        "ne": "मनोरञ्जन क्षेत्रका कामदार",
        "ne-Latn": "manoranjan kshetra ka kamdar",
    },
}

# Needs served from Nepal for people who are abroad (used when a country is asked without a need).
ABROAD_NEEDS = ("rescue_repatriation", "compensation_claims")

_SYNONYMS = {
    "emergency": ["urgent", "danger", "police", "aapat", "khatara", "आपत", "खतरा", "प्रहरी"],
    "shelter": [
        "safe place",
        "safe house",
        "aashray",
        "asray",
        "shelter home",
        "basne thau",
        "आश्रय",
        "सुरक्षित ठाउँ",
        "बस्ने ठाउँ",
    ],
    "legal_aid": [
        "legal",
        "lawyer",
        "law",
        "kanuni",
        "kanuni sahayata",
        "wakil",
        "कानुनी",
        "वकिल",
        "कानुन",
    ],
    "health_psychosocial": [
        "health",
        "psychosocial",
        "counselling",
        "counseling",
        "mental health",
        "swasthya",
        "manosamajik",
        "स्वास्थ्य",
        "मनोसामाजिक",
        "परामर्श",
    ],
    "rescue_repatriation": [
        "rescue",
        "repatriation",
        "return",
        "uddhar",
        "firta",
        "उद्धार",
        "फिर्ता",
        "embassy",
        "dutabas",
        "दूतावास",
    ],
    "compensation_claims": [
        "compensation",
        "claim",
        "claims",
        "kshatipurti",
        "chhatipurti",
        "क्षतिपूर्ति",
        "दाबी",
    ],
    "pre_migration_info": [
        "migration",
        "mrc",
        "migrant resource centre",
        "before migration",
        "information",
        "jankari",
        "जानकारी",
    ],
    "children": ["child", "child helpline", "balbalika", "bachha", "बालबालिका", "बच्चा"],
    "entertainment_workers": [
        "entertainment",
        "dance bar",
        "cabin restaurant",
        "manoranjan",
        "मनोरञ्जन",
    ],
}

_BY_KEY: dict[str, str] = {}
for _code, _labels in NEEDS.items():
    for _name in [_code, _code.replace("_", " "), *_labels.values(), *_SYNONYMS.get(_code, [])]:
        _BY_KEY.setdefault(fold(_name), _code)


def resolve_need(value: str | None) -> str | None:
    """A need code from a code, a label or a synonym (any script); None if unknown."""
    if not value or not value.strip():
        return None
    return _BY_KEY.get(fold(value.strip()))


def need_json(code: str) -> dict[str, object]:
    return {"code": code, "label": NEEDS[code]}
