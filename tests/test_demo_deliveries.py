"""The synthetic demo deliveries: deterministic, honest about being synthetic, as documented."""
import csv
import hashlib
import sys
from collections import Counter
from pathlib import Path

import pytest

from eenzaamheid import codebook as cb
from eenzaamheid.municipalities import register
from published import RAW, ROOT, read_rows

sys.path.insert(0, str(ROOT / "scripts"))
import generate_demo_deliveries as gen  # noqa: E402


def _manifest(folder: Path) -> list[dict]:
    with open(folder / "MANIFEST.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_generator_reproduces_the_committed_raw_folder_byte_for_byte(tmp_path):
    gen.generate(tmp_path / "a")
    gen.generate(tmp_path / "b")
    assert _files(tmp_path / "a") == _files(tmp_path / "b"), "two runs differ"
    assert _files(tmp_path / "a") == _files(RAW), "raw/ is not what the generator makes: run `make demo`"


def test_manifest_lists_every_delivery_with_its_hash_and_synthetic_flag():
    rows = _manifest(RAW)
    assert [int(r["jaar"]) for r in rows] == list(cb.YEARS)
    for r in rows:
        data = (RAW / r["bestand"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == r["sha256"] and len(data) == int(r["bytes"])
        assert r["synthetisch"] == "true"
    formats = {Path(r["bestand"]).suffix for r in rows}
    assert formats == {".xlsx", ".csv"}


def test_csv_years_are_semicolon_cp1252_exports():
    for year, d in cb.load().deliveries.items():
        if d.formaat == "csv":
            data = next((RAW / str(year)).glob("*.csv")).read_bytes()
            with pytest.raises(UnicodeDecodeError):
                data.decode("utf-8")  # non-ASCII text is cp1252, as the supplier exports it
            assert data.split(b"\r\n")[0].count(b";") == len(read_rows(next((RAW / str(year)).glob("*.csv")), d)[0]) - 1


def test_rows_as_published_and_only_municipalities_of_that_year():
    book, reg = cb.load(), register()
    delivered = {}
    merged_later = 0
    for year in cb.YEARS:
        d = book.deliveries[year]
        rows = [r for r in read_rows(next((RAW / str(year)).glob(f"*.{d.formaat}")), d) if any(v for v in r.values())]
        delivered[year] = len(rows)
        for r in rows:
            res = reg.resolve(year, r[d.metadata_kolommen["gemeente"]])
            assert res.ok and res.gemeente_code in set(reg.municipalities(year)["gemeente_code"])
            merged_later += res.opvolger_code != res.gemeente_code
            assert r[d.metadata_kolommen["contact_email"]].endswith("@example.org")
    # 2019: one row is held back (planted invalid answer); 2023: one municipality submitted twice
    assert delivered == {2019: 126, 2020: 103, 2021: 110, 2022: 162, 2023: 175, 2024: 157}
    assert merged_later >= 5, "some respondents must be municipalities that merged later"


def test_planted_dirt_is_documented_with_its_numbers():
    with open(RAW / "demo_vervuiling.csv", encoding="utf-8") as f:
        dirt = list(csv.DictReader(f))
    assert Counter(r["regel"] for r in dirt) == {
        "antwoord_opmaak": 8, "gemeente_variant": 5, "dubbele_inzending": 1, "lege_rij": 1,
        "antwoord_onbekend": 1, "persoonsgegevens_in_vrije_tekst": 2}
    for r in dirt:  # the planted value is really in that cell
        year = int(r["bestand"][:4])
        d = cb.load().deliveries[year]
        rows = read_rows(RAW / r["bestand"], d)
        cell = rows[int(r["rij"]) - 2].get(r["kolom"], "") if r["kolom"] else None
        if r["regel"] == "antwoord_opmaak":
            assert cell != cell.strip() or cell != cell.capitalize() or cell.isupper() or cell.islower()
        if r["regel"] == "lege_rij":
            assert not any(rows[int(r["rij"]) - 2].values())
        if r["regel"] == "persoonsgegevens_in_vrije_tekst":
            assert "@" in cell or any(ch.isdigit() for ch in cell)


def test_stress_delivery_scales_rows(tmp_path):
    gen.generate(tmp_path, scale=3, only_year=2024)
    d = cb.load().deliveries[2024]
    rows = read_rows(next((tmp_path / "2024").glob("*.csv")), d)
    assert len(rows) == 3 * 157
    ids = [r[d.metadata_kolommen["respons_id"]] for r in rows]
    assert len(set(ids)) == len(ids)
    assert not (tmp_path / "demo_vervuiling.csv").exists()
