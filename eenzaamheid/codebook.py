"""The codebook (schemas/codebook.yaml plus one file per survey year in schemas/jaren/) as Python objects.

Every other module asks the codebook which columns a year's delivery has, what they
mean and which answers are allowed, so nothing about the questionnaire is typed twice.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from .codebook_years import CodebookError, read  # noqa: F401  (CodebookError: re-exported for callers)
from .paths import SCHEMAS

CODEBOOK_PATH = SCHEMAS / "codebook.yaml"   # the questionnaire, no years in it
YEARS_DIR = SCHEMAS / "jaren"               # one file per survey year: <jaar>.yaml

# Metadata columns that identify a person: they are validated but never leave ingest.
CONTACT_FIELDS = ("contact_naam", "contact_email", "contact_telefoon", "contact_functie")


@dataclass(frozen=True)
class AnswerColumn:
    """One column of a year's delivery that carries an answer."""

    header: str                 # raw column header in that year's delivery
    vraag_id: str
    item_code: str | None       # matrix row or multiple-choice option; None for single questions
    type: str                   # ja_nee, enkelvoudig, meervoudig, matrix, getal, open
    labels: tuple[str, ...]     # allowed raw values (labels); empty for open/getal
    codes: tuple[str, ...]      # option codes, parallel to labels

    def code_for(self, label: str) -> str | None:
        try:
            return self.codes[self.labels.index(label)]
        except ValueError:
            return None


@dataclass(frozen=True)
class Delivery:
    """What a year's export looks like (format and metadata columns)."""

    jaar: int
    formaat: str                # "xlsx" or "csv"
    metadata_kolommen: dict     # field name (respons_id, gemeente, ...) -> raw header
    datumformaat: str
    scheidingsteken: str | None = None
    codering: str | None = None
    werkblad: str | None = None
    overige_kolommen: dict | None = None   # raw header -> description: read, never published


class Codebook:
    def __init__(self, data: dict):
        self.data = data
        self.questions: dict[str, dict] = {q["vraag_id"]: q for q in data["vragen"]}
        self.sources: dict[str, dict] = data["bronnen"]
        self.deliveries: dict[int, Delivery] = {
            d["jaar"]: Delivery(**{k: v for k, v in d.items() if k != "bestandspatroon"})
            for d in data["leveringen"]
        }

    @property
    def years(self) -> tuple[int, ...]:
        """The survey years: one per delivery (`leveringen`); a new year starts there."""
        return tuple(sorted(self.deliveries))

    def version(self, vraag_id: str, year: int) -> dict | None:
        for v in self.questions[vraag_id]["versies"]:
            if v["jaar"] == year:
                return v
        return None

    def years_asked(self, vraag_id: str) -> list[int]:
        return [v["jaar"] for v in self.questions[vraag_id]["versies"]]

    def options(self, vraag_id: str, year: int | None = None) -> list[dict]:
        """The answer options; with a year, under that year's labels.

        A version may reword an option without changing its meaning for the code:
        `optielabels: {optie_code: label}` gives the label that year's delivery carries. An
        option with `jaren` was offered only in those years (one added or dropped later).
        """
        opts = [o for o in self.questions[vraag_id].get("opties", []) if year is None or year in o.get("jaren", [year])]
        version = self.version(vraag_id, year) if year is not None else None
        reworded = (version or {}).get("optielabels") or {}
        return [{**o, "label": reworded[o["optie_code"]]} if o["optie_code"] in reworded else o for o in opts]

    def option_label(self, vraag_id: str, optie_code: str, year: int | None = None) -> str:
        """An option's wording in a year (the version's `optielabels`), else its one general label."""
        version = self.version(vraag_id, year) if year is not None else None
        reworded = (version or {}).get("optielabels") or {}
        if optie_code in reworded:
            return reworded[optie_code]
        return {o["optie_code"]: o["label"] for o in self.questions[vraag_id].get("opties", [])}[optie_code]

    def items(self, vraag_id: str, year: int | None = None) -> list[dict]:
        items = self.questions[vraag_id].get("items", [])
        return [i for i in items if year is None or year in i["jaren"]]

    def option_group(self, vraag_id: str, code: str) -> list[str]:
        """Option codes behind a published aggregate such as coalitie 'ja' (all 'ja_*')."""
        for g in self.questions[vraag_id].get("optiegroepen", []):
            if g["groep_code"] == code:
                return list(g["opties"])
        return [code]

    def headlines(self) -> list[dict]:
        """Every question's headline figure (`kerncijfer`: the share of municipalities giving one
        answer or any answer of an option group, as the reports print it), in questionnaire order,
        with `vraag_id` and the option codes it adds up (`opties`)."""
        out = []
        for q in self.data["vragen"]:
            k = q.get("kerncijfer")
            if k:
                out.append({**k, "vraag_id": q["vraag_id"], "item_code": k.get("item_code"),
                            "opties": self.option_group(q["vraag_id"], k["optie"])})
        return out

    def answer_columns(self, year: int) -> list[AnswerColumn]:
        """The answer columns of a year's delivery, in questionnaire order."""
        cols: list[AnswerColumn] = []
        for q in self.data["vragen"]:
            v = self.version(q["vraag_id"], year)
            if v is None:
                continue
            opts = self.options(q["vraag_id"], year)
            labels = tuple(o["label"] for o in opts)
            codes = tuple(o["optie_code"] for o in opts)
            if "kolommen" in v:
                items = {i["item_code"]: i for i in q["items"]}
                for item_code, header in v["kolommen"].items():
                    if q["type"] == "meervoudig":
                        # a ticked box carries the option's own label
                        item_labels, item_codes = (items[item_code]["label"],), ("gekozen",)
                    else:
                        item_labels, item_codes = labels, codes
                    cols.append(AnswerColumn(header, q["vraag_id"], item_code, q["type"], item_labels, item_codes))
            else:
                cols.append(AnswerColumn(v["kolom"], q["vraag_id"], None, q["type"], labels, codes))
        return cols

    def skip_rules(self) -> list[dict]:
        """Questions only asked after a given answer (e.g. kartrekker only with a coalition)."""
        rules = []
        for q in self.data["vragen"]:
            cond = q.get("alleen_als")
            if cond:
                codes = cond.get("opties") or self.option_group(cond["vraag_id"], cond["groep"])
                rules.append({"vraag_id": q["vraag_id"], "als_vraag": cond["vraag_id"], "als_opties": codes})
        return rules


@functools.lru_cache(maxsize=4)
def load(path: Path = CODEBOOK_PATH, years_dir: Path | None = None) -> Codebook:
    """The merged codebook: the questionnaire in `path` plus the year files in `years_dir` (by default
    the folder `jaren` next to `path`). Raises CodebookError (Dutch, names file and key)."""
    return Codebook(read(path, years_dir if years_dir is not None else path.parent / "jaren"))


def __getattr__(name: str):
    # YEARS follows the codebook (read on first use, not at import): a new year is one
    # file schemas/jaren/<jaar>.yaml, never an edit here.
    if name == "YEARS":
        return load().years
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
