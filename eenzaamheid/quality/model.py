"""What a check is and what running all of them gives: Controle, QualityResult and the severities."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping

import pandas as pd

from ..paths import CHECKS

FATAAL, FOUT, WAARSCHUWING = "fataal", "fout", "waarschuwing"
ERNSTEN = (FATAAL, FOUT, WAARSCHUWING)
HERKOMSTEN = ("codeboek", "schema", "handmatig")
HANDMATIG_PATH = CHECKS / "handmatige_controles.yml"
PUBLISHED_PATH = CHECKS / "published_figures.csv"
UNEXPECTED_ROWS = "UnexpectedRowsExpectation"


class QualityConfigError(ValueError):
    """checks/handmatige_controles.yml (or a published figure it refers to) is wrong; Dutch message."""


@dataclass(frozen=True)
class Controle:
    """One check: one Great Expectations expectation with its meaning."""

    controle_id: str
    suite: str                         # one suite per data asset (a table, a view or a query)
    tabel: str
    kolom: str | None
    expectation: str                   # GE class name, e.g. ExpectColumnValuesToBeInSet
    parameters: Mapping[str, Any]      # keyword arguments of the expectation (JSON-able)
    ernst: str
    betekenis: str
    herkomst: str
    sleutel: tuple[str, ...] = ()      # key columns that identify a failing row
    waar: Mapping[str, Any] = field(default_factory=dict)   # row filter: column -> value or list (AND)
    bron: str | None = None            # SELECT of a query asset; None: the table itself
    herleiding: Mapping[str, Any] = field(default_factory=dict)  # where parameter values come from

    def parameters_json(self) -> str:
        shown = dict(self.parameters)
        if self.waar:
            shown["waar"] = dict(self.waar)
        if self.bron:
            shown["bron"] = self.bron
        if self.herleiding:
            shown["herleiding"] = dict(self.herleiding)
        return json.dumps(shown, ensure_ascii=False, sort_keys=True)

    def as_row(self) -> dict:
        return {"controle_id": self.controle_id, "suite": self.suite, "tabel": self.tabel, "kolom": self.kolom,
                "expectation": self.expectation, "parameters": self.parameters_json(), "ernst": self.ernst,
                "betekenis": self.betekenis, "herkomst": self.herkomst}


@dataclass
class QualityResult:
    controles: pd.DataFrame    # table kwaliteitscontroles
    resultaten: pd.DataFrame   # table kwaliteitsresultaten
    duur_s: float = 0.0

    def failures(self, ernst: str | None = None) -> pd.DataFrame:
        """Failed checks (controles joined with their results), optionally of one severity."""
        merged = self.controles.merge(self.resultaten, on="controle_id", how="inner")
        failed = merged[merged["geslaagd"] == 0]
        if ernst is not None:
            failed = failed[failed["ernst"] == ernst]
        return failed.sort_values("controle_id").reset_index(drop=True)

    @property
    def fatal_failures(self) -> pd.DataFrame:
        return self.failures(FATAAL)

    @property
    def errors(self) -> pd.DataFrame:
        return self.failures(FOUT)

    @property
    def warnings(self) -> pd.DataFrame:
        return self.failures(WAARSCHUWING)

    @property
    def publiceerbaar(self) -> bool:
        """No fatal check failed: the database may be published."""
        return self.fatal_failures.empty

    @property
    def ok(self) -> bool:
        """No fatal check and no error failed (warnings allowed): `eenzaamheid check` exits 0."""
        return self.fatal_failures.empty and self.errors.empty


def sql_literal(value) -> str:
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
