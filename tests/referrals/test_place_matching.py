"""Place matching over the three scripts: districts, aliases, towns, typos, countries, unknowns.

Each case: (what a person typed, expected). Expected is ("district", name), ("districts",
[names]) for a split district or a multi-district area, ("province", name),
("country", ISO code), "ambiguous" (ask which) or "unknown" (ask again).
"""

from __future__ import annotations

import csv

import pytest

from webhooks.referrals.geo import GEO_DIR, Gazetteer, fix_text, gazetteer

CASES = [
    # --- English names, case and spacing --------------------------------------------------
    ("Kathmandu", ("district", "Kathmandu")),
    ("kathmandu", ("district", "Kathmandu")),
    ("KATHMANDU", ("district", "Kathmandu")),
    ("  Lalitpur ", ("district", "Lalitpur")),
    ("Bhaktapur", ("district", "Bhaktapur")),
    ("Jhapa", ("district", "Jhapa")),
    ("Morang", ("district", "Morang")),
    ("Sunsari", ("district", "Sunsari")),
    ("Kaski", ("district", "Kaski")),
    ("Chitwan", ("district", "Chitwan")),
    ("Makwanpur", ("district", "Makwanpur")),
    ("Sindhupalchok", ("district", "Sindhupalchok")),
    ("Kailali", ("district", "Kailali")),
    ("Banke", ("district", "Banke")),
    ("Dang", ("district", "Dang")),
    ("Humla", ("district", "Humla")),
    ("Bara", ("district", "Bara")),
    ("Doti", ("district", "Doti")),
    ("Eastern Rukum", ("district", "Eastern Rukum")),
    ("Western Rukum", ("district", "Western Rukum")),
    ("Nawalpur", ("district", "Nawalpur")),
    ("Parasi", ("district", "Parasi")),
    ("Kaski district", ("district", "Kaski")),
    # --- the dataset's spellings and common alternatives ------------------------------------
    ("Panchthar", ("district", "Panchthar")),
    ("Pachthar", ("district", "Panchthar")),
    ("Parbat", ("district", "Parbat")),
    ("Parwat", ("district", "Parbat")),
    ("Ramechhap", ("district", "Ramechhap")),
    ("Ramechap", ("district", "Ramechhap")),
    ("Achham", ("district", "Achham")),
    ("Acham", ("district", "Achham")),
    ("Kavre", ("district", "Kavrepalanchok")),
    ("Kabhrepalanchok", ("district", "Kavrepalanchok")),
    ("Sindhupalchowk", ("district", "Sindhupalchok")),
    ("Dhanusa", ("district", "Dhanusha")),
    ("Kapilbastu", ("district", "Kapilvastu")),
    ("Bardia", ("district", "Bardiya")),
    ("Tanahu", ("district", "Tanahun")),
    ("Makawanpur", ("district", "Makwanpur")),
    ("Tehrathum", ("district", "Terhathum")),
    ("Illam", ("district", "Ilam")),
    ("Chitawan", ("district", "Chitwan")),
    ("Mahotari", ("district", "Mahottari")),
    ("Syanja", ("district", "Syangja")),
    # --- short forms and nicknames people type ----------------------------------------------
    ("KTM", ("district", "Kathmandu")),
    ("Ktm", ("district", "Kathmandu")),
    ("ktm", ("district", "Kathmandu")),
    ("ktm ma", ("district", "Kathmandu")),
    ("Kathmandoo", ("district", "Kathmandu")),
    ("Katmandu", ("district", "Kathmandu")),
    ("Patan", ("district", "Lalitpur")),
    ("Bhadgaon", ("district", "Bhaktapur")),
    ("Kathmandu valley", ("districts", ["Kathmandu", "Lalitpur", "Bhaktapur"])),
    # --- towns, headquarters, cities --------------------------------------------------------
    ("Pokhara", ("district", "Kaski")),
    ("Biratnagar", ("district", "Morang")),
    ("Birgunj", ("district", "Parsa")),
    ("Birganj", ("district", "Parsa")),
    ("Butwal", ("district", "Rupandehi")),
    ("Bhairahawa", ("district", "Rupandehi")),
    ("Nepalgunj", ("district", "Banke")),
    ("Nepalganj", ("district", "Banke")),
    ("Dhangadhi", ("district", "Kailali")),
    ("Dhangadi", ("district", "Kailali")),
    ("Bhadrapur", ("district", "Jhapa")),
    ("Itahari", ("district", "Sunsari")),
    ("Dharan", ("district", "Sunsari")),
    ("Janakpur", ("district", "Dhanusha")),
    ("Hetauda", ("district", "Makwanpur")),
    ("Bharatpur", ("district", "Chitwan")),
    ("Mahendranagar", ("district", "Kanchanpur")),
    ("Birendranagar", ("district", "Surkhet")),
    ("Tansen", ("district", "Palpa")),
    ("Ghorahi", ("district", "Dang")),
    ("Tulsipur", ("district", "Dang")),
    ("Kakarbhitta", ("district", "Jhapa")),
    ("Gongabu", ("district", "Kathmandu")),
    ("Dhulikhel", ("district", "Kavrepalanchok")),
    ("Musikot", ("district", "Western Rukum")),
    # --- split districts: both halves ------------------------------------------------------
    ("Nawalparasi", ("districts", ["Nawalpur", "Parasi"])),
    ("nawal parasi", ("districts", ["Nawalpur", "Parasi"])),
    ("नवलपरासी", ("districts", ["Nawalpur", "Parasi"])),
    ("Rukum", ("districts", ["Eastern Rukum", "Western Rukum"])),
    ("रुकुम", ("districts", ["Eastern Rukum", "Western Rukum"])),
    ("Rukum East", ("district", "Eastern Rukum")),
    ("पश्चिम रुकुम", ("district", "Western Rukum")),
    # --- Devanagari, with variant spellings and postpositions --------------------------------
    ("काठमाडौँ", ("district", "Kathmandu")),
    ("काठमाडौं", ("district", "Kathmandu")),
    ("काठमाडौंमा", ("district", "Kathmandu")),
    ("काठमाण्डौ", ("district", "Kathmandu")),
    ("ललितपुर", ("district", "Lalitpur")),
    ("झापा", ("district", "Jhapa")),
    ("भद्रपुर", ("district", "Jhapa")),
    ("विराटनगर", ("district", "Morang")),
    ("बिराटनगर", ("district", "Morang")),
    ("पोखरा", ("district", "Kaski")),
    ("पोखरामा", ("district", "Kaski")),
    ("बाग्लुंग", ("district", "Baglung")),
    ("बागलुङ", ("district", "Baglung")),
    ("धादिङ", ("district", "Dhading")),
    ("धादिंङ्ग", ("district", "Dhading")),
    ("कैलाली", ("district", "Kailali")),
    ("धनगढी", ("district", "Kailali")),
    ("नेपालगन्ज", ("district", "Banke")),
    ("सुर्खेत", ("district", "Surkhet")),
    ("सिन्धुपाल्चोक", ("district", "Sindhupalchok")),
    ("काभ्रे", ("district", "Kavrepalanchok")),
    ("बर्दिया", ("district", "Bardiya")),
    ("कपिलबस्तु", ("district", "Kapilvastu")),
    ("महोतरी", ("district", "Mahottari")),  # long/short vowel and doubled letter
    ("सुनसरि", ("district", "Sunsari")),
    # --- provinces --------------------------------------------------------------------------
    ("Koshi", ("province", "Koshi Province")),
    ("Koshi Province", ("province", "Koshi Province")),
    ("कोशी प्रदेश", ("province", "Koshi Province")),
    ("काेशी प्रदेश", ("province", "Koshi Province")),  # the dataset's split vowel sign
    ("Province 1", ("province", "Koshi Province")),
    ("Madhesh", ("province", "Madhesh Province")),
    ("Bagmati", ("province", "Bagmati Province")),
    ("Gandaki Pradesh", ("province", "Gandaki Province")),
    ("Lumbini", ("province", "Lumbini Province")),
    ("Karnali", ("province", "Karnali Province")),
    ("Sudurpaschim", ("province", "Sudurpaschim Province")),
    ("Far West", ("province", "Sudurpaschim Province")),
    ("सुदूरपश्चिम", ("province", "Sudurpaschim Province")),
    # --- typos (fuzzy) ---------------------------------------------------------------------
    ("Kathmanduu", ("district", "Kathmandu")),
    ("Kathmandhu", ("district", "Kathmandu")),
    ("Kathmndu", ("district", "Kathmandu")),
    ("Pokahra", ("district", "Kaski")),
    ("Pokhra", ("district", "Kaski")),
    ("Biratnager", ("district", "Morang")),
    ("Lalitpurr", ("district", "Lalitpur")),
    ("Lalitpru", ("district", "Lalitpur")),
    ("Bhaktpur", ("district", "Bhaktapur")),
    ("Sindhupalchock", ("district", "Sindhupalchok")),
    ("Rupandehee", ("district", "Rupandehi")),
    ("Kanchenpur", ("district", "Kanchanpur")),
    ("Dhankutta", ("district", "Dhankuta")),
    ("Nuwakoat", ("district", "Nuwakot")),
    ("bagalung", ("district", "Baglung")),
    ("Gorkhaa", ("district", "Gorkha")),
    ("Jhapama", ("district", "Jhapa")),
    ("Quatarr", ("country", "QA")),
    ("Malasiya", ("country", "MY")),
    ("ललितपूर", ("district", "Lalitpur")),
    ("काठमान्डू", ("district", "Kathmandu")),
    # --- destination countries, three forms -------------------------------------------------
    ("Qatar", ("country", "QA")),
    ("कतार", ("country", "QA")),
    ("katar", ("country", "QA")),
    ("कतारमा", ("country", "QA")),
    ("katar ma", ("country", "QA")),
    ("kataarma", ("country", "QA")),
    ("Doha", ("country", "QA")),
    ("UAE", ("country", "AE")),
    ("Dubai", ("country", "AE")),
    ("दुबई", ("country", "AE")),
    ("yuae", ("country", "AE")),
    ("युएई", ("country", "AE")),
    ("Abu Dhabi", ("country", "AE")),
    ("my sister is in Dubai", ("country", "AE")),
    ("Saudi", ("country", "SA")),
    ("साउदी अरब", ("country", "SA")),
    ("Riyadh", ("country", "SA")),
    ("Malaysia", ("country", "MY")),
    ("मलेसिया", ("country", "MY")),
    ("malesiya", ("country", "MY")),
    ("Kuwait", ("country", "KW")),
    ("कुवेत", ("country", "KW")),
    ("Korea", ("country", "KR")),
    ("दक्षिण कोरिया", ("country", "KR")),
    ("Israel", ("country", "IL")),
    ("इजरायल", ("country", "IL")),
    ("Lebanon", ("country", "LB")),
    ("Japan", ("country", "JP")),
    ("जापान", ("country", "JP")),
    ("Oman", ("country", "OM")),
    ("Bahrain", ("country", "BH")),
    ("India", ("country", "IN")),
    ("भारत", ("country", "IN")),
    ("Myanmar", ("country", "MM")),
    # --- ambiguous: ask which ---------------------------------------------------------------
    ("Khalanga", "ambiguous"),
    ("खलंगा", "ambiguous"),
    ("Chainpur", "ambiguous"),
    ("Dubia", "ambiguous"),  # Dubai? (and Dunai, Dolpa): never guessed
    ("Chitwon", "ambiguous"),  # "Did you mean Chitwan?"
    ("Nepaljung", "ambiguous"),
    ("Pokhara or Butwal", "ambiguous"),
    # --- unknown: ask again, never a wrong district ----------------------------------------
    ("xyzville", "unknown"),
    ("Springfield", "unknown"),
    ("mero ghar", "unknown"),
    ("gaun", "unknown"),
    ("help", "unknown"),
    ("asdfgh", "unknown"),
    ("मेरो घर", "unknown"),
    ("तल्लो गाउँ", "unknown"),
    ("KT", "unknown"),
    ("us", "unknown"),  # not the ISO code of the United States
    ("my", "unknown"),  # not Malaysia
    ("12345", "unknown"),
    ("Sharma", "unknown"),
    ("Kalima", "unknown"),
    ("Nepal", "unknown"),  # the whole country: ask which district
    ("company", "unknown"),
    ("malai sahayata chahiyo", "unknown"),
    ("", "empty"),
    ("   ", "empty"),
]


def _outcome(geo: Gazetteer, query: str) -> object:
    match = geo.match(query)
    if match.status != "matched":
        return match.status
    target = match.target
    assert target is not None
    if target.country:
        return ("country", target.country)
    if target.kind == "province":
        return ("province", geo.provinces[target.province_id].name_en)  # type: ignore[index]
    names = [geo.districts[i].name_en for i in target.district_ids]
    return ("district", names[0]) if len(names) == 1 else ("districts", names)


def test_the_table_is_big_enough() -> None:
    assert len(CASES) >= 100
    assert len({query for query, _ in CASES}) == len(CASES), "duplicate cases"


@pytest.mark.parametrize(("query", "expected"), CASES, ids=[q or "<blank>" for q, _ in CASES])
def test_place_matching(query: str, expected: object) -> None:
    assert _outcome(gazetteer(), query) == expected


def test_every_district_name_matches_itself_in_both_scripts() -> None:
    geo = gazetteer()
    for district in geo.districts.values():
        for name in (district.name_en, district.name_ne):
            match = geo.match(name)
            assert match.matched and match.target, name
            assert match.target.district_ids == (district.id,), name


def test_every_district_source_spelling_still_matches() -> None:
    geo = gazetteer()
    with open(GEO_DIR / "nepal_districts.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            for name in (row["name_en"], row["name_ne"]):
                match = geo.match(name)
                assert match.matched and match.target, name
                assert match.target.district_ids == (int(row["district_id"]),), name


def test_dataset_quirks_are_fixed() -> None:
    geo = gazetteer()
    assert geo.provinces[1].name_ne == "कोशी प्रदेश"
    assert "\u093e\u0947" not in fix_text("काेशी")
    jhapa = geo.districts[4]
    assert (jhapa.headquarters_en, jhapa.headquarters_ne) == ("Bhadrapur", "भद्रपुर")
    assert len(geo.districts) == 77 and len(geo.provinces) == 7


def test_fuzzy_matches_report_how_sure_they_are() -> None:
    match = gazetteer().match("Biratnager")
    assert match.method == "fuzzy" and 86 <= match.score < 100
    assert gazetteer().match("Biratnagar").method == "exact"


def test_ambiguous_names_come_with_suggestions_in_both_scripts() -> None:
    geo = gazetteer()
    place = geo.place_json(geo.match("Khalanga"))
    assert place["status"] == "ambiguous"
    names = {s["en"] for s in place["suggestions"]}
    assert {"Jajarkot", "Salyan", "Pyuthan", "Darchula"} <= names
    assert all(s["ne"] for s in place["suggestions"])
    dubia = geo.place_json(geo.match("Dubia"))
    assert dubia["suggestions"][0]["en"] == "United Arab Emirates"


def test_matched_place_is_given_in_both_scripts() -> None:
    geo = gazetteer()
    place = geo.place_json(geo.match("Pokhara"))
    assert place["name"] == {"en": "Pokhara", "ne": "पोखरा"}
    assert place["districts"][0]["en"] == "Kaski" and place["districts"][0]["ne"] == "कास्की"
    assert place["provinces"][0]["en"] == "Gandaki Province"
    split = geo.place_json(geo.match("Nawalparasi"))
    assert [p["en"] for p in split["provinces"]] == ["Gandaki Province", "Lumbini Province"]


def test_runtime_reads_only_the_vendored_copies() -> None:
    assert GEO_DIR.parts[-2:] == ("data", "geo")
    assert "shared" not in GEO_DIR.parts
