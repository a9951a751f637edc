"""Municipality register: real reference files, no mocks."""
import time

import pandas as pd
import pytest

from eenzaamheid.municipalities import (MunicipalityRegister, Resolution, normalize_name,
                                        register)
from eenzaamheid.paths import REFERENCE, ROOT

COUNTS = {2019: 355, 2020: 355, 2021: 352, 2022: 345, 2023: 342, 2024: 342, 2025: 342}
SURVEY_YEARS = range(2019, 2025)


@pytest.fixture(scope="module")
def reg() -> MunicipalityRegister:
    return register()


def check(res: Resolution, code: str, methode: str) -> Resolution:
    assert (res.gemeente_code, res.methode) == (code, methode), res
    assert res.ok and res.naam and res.provincie_code and res.opvolger_code
    return res


def test_reference_lives_in_project():
    assert REFERENCE.resolve().is_relative_to(ROOT)
    assert (REFERENCE / "cbs" / "municipalities_by_year.csv").is_file()


def test_years_and_counts(reg):
    assert reg.years == tuple(COUNTS) and reg.latest_year == 2025
    for year, n in COUNTS.items():
        df = reg.municipalities(year)
        assert list(df.columns) == ["gemeente_code", "naam", "provincie_code", "provincie"]
        assert len(df) == n and df.gemeente_code.is_unique


def test_register_is_cached():
    assert register() is register()


@pytest.mark.parametrize("year", COUNTS)
def test_bergen_alone_is_ambiguous_every_year(reg, year):
    res = reg.resolve(year, "Bergen")
    assert res.methode == "dubbelzinnig" and not res.ok and res.gemeente_code is None
    assert res.kandidaten == ("GM0373", "GM0893")
    assert "Bergen (NH.)" in res.melding and "Bergen (L.)" in res.melding


@pytest.mark.parametrize("year", COUNTS)
@pytest.mark.parametrize("name,code", [
    ("Bergen NH", "GM0373"), ("Bergen (NH.)", "GM0373"), ("Bergen (NH)", "GM0373"),
    ("Bergen Noord-Holland", "GM0373"), ("bergen (n.h.)", "GM0373"),
    ("Bergen (L)", "GM0893"), ("Bergen L", "GM0893"), ("Bergen Limburg", "GM0893"),
    ("Bergen (L.)", "GM0893"),
])
def test_bergen_with_province(reg, year, name, code):
    assert reg.resolve(year, name).gemeente_code == code


@pytest.mark.parametrize("year", SURVEY_YEARS)
@pytest.mark.parametrize("name,code,methode", [
    ("Den Haag", "GM0518", "alias"),
    ("'s-Gravenhage", "GM0518", "officiele_naam"),
    ("s-Gravenhage", "GM0518", "alias"),
    ("Den Bosch", "GM0796", "alias"),
    ("’s-Hertogenbosch", "GM0796", "officiele_naam"),
    ("`s Hertogenbosch", "GM0796", "officiele_naam"),
    ("s Hertogenbosch", "GM0796", "alias"),
    ("Súdwest-Fryslân", "GM1900", "officiele_naam"),
    ("Sudwest Fryslan", "GM1900", "officiele_naam"),
    ("SUDWEST-FRYSLAN", "GM1900", "officiele_naam"),
    ("Nuenen, Gerwen en Nederwetten", "GM0820", "officiele_naam"),
    ("Nuenen Gerwen en Nederwetten", "GM0820", "officiele_naam"),
    ("Nuenen", "GM0820", "alias"),
    ("Groningen", "GM0014", "officiele_naam"),
    ("  amsterdam ", "GM0363", "officiele_naam"),
    ("Amsterdm", "GM0363", "spelvariant"),
])
def test_names(reg, year, name, code, methode):
    check(reg.resolve(year, name), code, methode)


@pytest.mark.parametrize("value", ["GM0363", "gm0363", "GM 0363", "0363", "363", 363, 363.0])
def test_code_forms(reg, value):
    res = check(reg.resolve(2024, value), "GM0363", "cbs_code")
    assert res.naam == "Amsterdam" and res.delivered == str(value).replace(".0", "")


def test_spelvariant_has_melding(reg):
    res = reg.resolve(2024, "Amsterdm")
    assert "Amsterdam" in res.melding and res.kandidaten[0] == "GM0363"


def test_hellevoetsluis(reg):
    res = check(reg.resolve(2022, "Hellevoetsluis"), "GM0530", "officiele_naam")
    assert res.naam == "Hellevoetsluis" and res.opvolger_code == "GM1992"
    assert res.opvolger_naam == "Voorne aan Zee"
    res = check(reg.resolve(2024, "Hellevoetsluis"), "GM1992", "voorganger")
    assert "Hellevoetsluis" in res.melding and "Voorne aan Zee" in res.melding
    check(reg.resolve(2024, "GM0530"), "GM1992", "voorganger")
    check(reg.resolve(2024, "Brielle"), "GM1992", "voorganger")


def test_weesp_and_heerhugowaard(reg):
    res = check(reg.resolve(2022, "Weesp"), "GM0457", "officiele_naam")
    assert res.opvolger_code == "GM0363"
    check(reg.resolve(2023, "Weesp"), "GM0363", "voorganger")
    res = check(reg.resolve(2021, "Heerhugowaard"), "GM0398", "officiele_naam")
    assert (res.opvolger_code, res.opvolger_naam) == ("GM1980", "Dijk en Waard")


def test_haaren_split_goes_to_oisterwijk_with_note(reg):
    res = check(reg.resolve(2022, "Haaren"), "GM0824", "voorganger")
    assert "verdeeld" in res.melding and "Vught" in res.melding
    check(reg.resolve(2020, "Haaren"), "GM0788", "officiele_naam")
    assert reg.successor("GM0788") == "GM0824"
    assert reg.successor("GM0053") == "GM1966"  # Winsum: main row, not the Ezinge split


def test_province_suffix(reg):
    res = check(reg.resolve(2024, "Hengelo"), "GM0164", "naam_zonder_provinciesuffix")
    assert res.naam == "Hengelo (O.)"
    check(reg.resolve(2019, "Hengelo (O)"), "GM0164", "naam_zonder_provinciesuffix")
    check(reg.resolve(2023, "Hengelo"), "GM0164", "officiele_naam")
    for name, code in [("Rijswijk", "GM0603"), ("Beek", "GM0888"), ("Laren", "GM0417"),
                       ("Middelburg", "GM0687"), ("Stein", "GM0971")]:
        check(reg.resolve(2024, name), code, "naam_zonder_provinciesuffix")
        check(reg.resolve(2025, name), code, "naam_zonder_provinciesuffix")
    check(reg.resolve(2021, "Rijswijk (ZH.)"), "GM0603", "naam_zonder_provinciesuffix")


def test_unknown_and_missing(reg):
    res = reg.resolve(2024, "Xyzdorp")
    assert (res.methode, res.gemeente_code, res.ok) == ("onbekend", None, False)
    assert res.melding and len(res.kandidaten) <= 3
    for empty in (None, "", "   ", float("nan"), pd.NA):
        res = reg.resolve(2024, empty)
        assert res.methode == "onbekend" and res.melding == "Gemeente ontbreekt."
    assert reg.resolve(2024, "GM9999").methode == "onbekend"
    with pytest.raises(ValueError):
        reg.resolve(2018, "Amsterdam")


def test_not_yet_existing(reg):
    res = reg.resolve(2021, "Dijk en Waard")
    assert res.methode == "onbekend" and res.kandidaten == ("GM0398", "GM0416")
    assert "2022" in res.melding
    assert reg.resolve(2019, "GM1992").methode == "onbekend"


def test_every_official_name_and_code_resolves_to_itself(reg):
    for year in COUNTS:
        for row in reg.municipalities(year).itertuples():
            check(reg.resolve(year, row.naam), row.gemeente_code, "officiele_naam")
            check(reg.resolve(year, row.gemeente_code), row.gemeente_code, "cbs_code")


def test_every_alias_resolves(reg):
    aliases = pd.read_csv(REFERENCE / "gemeente_aliassen.csv", dtype=str)
    assert list(aliases.columns) == ["alias", "gemeente_code", "toelichting"]
    assert 20 <= len(aliases) <= 40 and aliases.alias.map(normalize_name).is_unique
    for year in COUNTS:
        for a in aliases.itertuples():
            check(reg.resolve(year, a.alias), a.gemeente_code, "alias")


def test_successor_of_every_code_is_valid_latest(reg):
    latest = set(reg.municipalities(reg.latest_year).gemeente_code)
    for year in COUNTS:
        for code in reg.municipalities(year).gemeente_code:
            assert reg.successor(code) in latest
    assert reg.successor("GM0457") == "GM0363" and reg.successor("GM0398") == "GM1980"
    with pytest.raises(KeyError):
        reg.successor("GM9999")


def test_validity(reg):
    v = reg.validity()
    assert list(v.columns) == ["gemeente_code", "naam", "provincie_code", "provincie",
                               "geldig_van", "geldig_tot", "opvolger_code"]
    all_codes = set().union(*(reg.municipalities(y).gemeente_code for y in COUNTS))
    assert v.gemeente_code.is_unique and set(v.gemeente_code) == all_codes
    latest = set(reg.municipalities(reg.latest_year).gemeente_code)
    ended = v[v.geldig_tot != ""]
    assert set(ended.gemeente_code) == all_codes - latest
    assert (v[v.geldig_tot == ""].opvolger_code == v[v.geldig_tot == ""].gemeente_code).all()
    row = v.set_index("gemeente_code")
    assert row.loc["GM0457", "geldig_tot"] == "2022-03-24"
    assert row.loc["GM0363", "geldig_van"] == "2019-01-01"
    assert row.loc["GM1992", "geldig_van"] == "2023-01-01"
    assert row.loc["GM0164", "naam"] == "Hengelo (O.)"


def test_fast_and_deterministic():
    fresh = MunicipalityRegister()  # no memoised answers
    names = fresh.municipalities(2023).naam.tolist()[:150]
    names += [n[:-1] + "x" for n in names[:40]] + ["Den Haag", "Bergen", "Xyzdorp"] * 3 + ["363"]
    assert len(names) == 200
    start = time.perf_counter()
    first = [fresh.resolve(2023, n) for n in names]
    assert time.perf_counter() - start < 0.1
    other = MunicipalityRegister()
    assert first == [other.resolve(2023, n) for n in names]
