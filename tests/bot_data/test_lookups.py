"""The generated place lookup (data/nlu/lookups/places.yml) matches data/geo/."""

from __future__ import annotations

import yaml

from scripts import generate_lookups


def test_committed_places_lookup_is_up_to_date():
    current = generate_lookups.OUT.read_text(encoding="utf-8")
    assert current == generate_lookups.render(generate_lookups.place_names()), (
        "data/nlu/lookups/places.yml is out of date: run "
        ".venv-rasa/bin/python -m scripts.generate_lookups"
    )
    assert generate_lookups.main(["--check"]) == 0


def test_places_lookup_covers_both_scripts_and_the_geo_data():
    data = yaml.safe_load(generate_lookups.OUT.read_text(encoding="utf-8"))
    (table,) = data["nlu"]
    assert table["lookup"] == "place" and "intent" not in table
    names = {line[2:].strip() for line in table["examples"].splitlines() if line.strip()}
    # districts, HQ towns, provinces, towns, aliases; Latin lower-cased, Devanagari NFC
    for name in ("kathmandu", "ktm", "pokhara", "पोखरा", "kaski", "कास्की", "bagmati province"):
        assert name in names, name
    assert "कोशी प्रदेश" in names  # the dataset's split vowel sign (ा + े) is fixed
    assert not any(len(n) < generate_lookups.MIN_CHARS for n in names)
    assert "qatar" not in names  # countries are the `country` entity


def test_generator_reads_data_geo_not_a_hand_list(tmp_path):
    for name in ("nepal_districts.csv", "nepal_provinces.csv", "countries.yml"):
        (tmp_path / name).write_text(
            (generate_lookups.GEO_DIR / name).read_text(encoding="utf-8"), encoding="utf-8"
        )
    aliases = yaml.safe_load((generate_lookups.GEO_DIR / "aliases.yml").read_text("utf-8"))
    aliases["towns"].append({"en": "Newtownpur", "ne": "नयाँगाउँ", "district": "Kaski"})
    (tmp_path / "aliases.yml").write_text(yaml.safe_dump(aliases, allow_unicode=True), "utf-8")
    names = generate_lookups.place_names(tmp_path)
    assert "newtownpur" in names and "नयाँगाउँ" in names


def test_the_country_lookup_is_generated_from_the_one_country_list():
    data = yaml.safe_load(generate_lookups.COUNTRY_OUT.read_text(encoding="utf-8"))
    (table,) = data["nlu"]
    assert table["lookup"] == "country"
    names = {line[2:].strip() for line in table["examples"].splitlines() if line.strip()}
    assert names == set(generate_lookups.country_names())
    for name in ("qatar", "katar", "malaysia", "malesiya", "dubai", "saudi arabia", "koriya"):
        assert name in names, name
