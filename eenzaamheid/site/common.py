"""Names, labels and text formatting shared by the site's modules."""
import re
import unicodedata

from markupsafe import escape

DATABASE = "benchmark"
STATIC_DOWNLOADS = "bestanden"            # --static mount of the clean folder (serve.py)
ZIP_NAME = "benchmark-eenzaamheid.zip"
EXPORT_FORMATS = (("csv", "CSV"), ("json", "JSON"), ("parquet", "Parquet"), ("xlsx", "Excel"))  # xlsx: main tables
SHOWN_POPULATIONS = ("alle_respondenten", "vast_panel_2022_2024")
POPULATION_LABELS = {"alle_respondenten": "Alle respondenten", "vast_panel_2022_2024": "Vast panel 2022–2024",
                     "groep_2022_2023": "Groep 2022–2023"}
POPULATION_SHORT = {"alle_respondenten": "alle", "vast_panel_2022_2024": "vast panel"}
TYPE_LABELS = {"ja_nee": "ja/nee", "enkelvoudig": "één antwoord", "meervoudig": "meerdere antwoorden mogelijk",
               "matrix": "matrix: een antwoord per onderdeel", "open": "open vraag (vrije tekst)", "getal": "getal"}
NOT_COMPARABLE = ("nee", "onzeker")
# The synthetic-data notice of every page (base.html's banner) and every page download (page_sheets)
SYNTHETIC_HEADLINE = "Let op: dit zijn synthetische demodata."
SYNTHETIC_DETAIL = ("De antwoorden zijn gegenereerd en gekalibreerd op de gepubliceerde landelijke cijfers; "
                    "het zijn niet de antwoorden van echte gemeenten.")
# Option colours: dark enough for white text (contrast >= 4.5:1), distinguishable in order.
PALETTE = ("#1f4e79", "#b4471d", "#2e6b30", "#6a3d9a", "#7a5a00", "#00695c", "#a3154f", "#455a64")
PANEL_DEFAULT_YEARS = {"vast_panel_2022_2024": (2022, 2023, 2024), "groep_2022_2023": (2022, 2023)}


def pct(value) -> str:
    """45.2 -> '45,2%' (Dutch decimal comma)."""
    if value is None:
        return "–"
    return f"{value:.1f}".replace(".", ",") + "%"


def years_text(years: list) -> str:
    """'2021–2024' for consecutive years, else '2019, 2021'."""
    if len(years) > 1 and years == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}–{years[-1]}"
    return ", ".join(map(str, years))


def normalize(text: str) -> str:
    """Case- and accent-insensitive form for searching: 'Súdwest-Fryslân' -> 'sudwest fryslan'."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = re.sub(r"[^0-9a-z]+", " ", text)
    return text.strip()


def esc(value) -> str:
    return str(escape("" if value is None else value))


def province_slug(name: str) -> str:
    """A province's address on the site (/provincie/<slug>): 'Noord-Holland' -> 'noord-holland'."""
    return normalize(name).replace(" ", "-")
