"""Cross-field rules a Table Schema cannot express: dates and numbers in the contract's format,
skip logic, the municipality, one submission per municipality, personal data in free text.

Each rule is a pandera check next to the schema, vectorized over the distinct values of a column.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from .. import codebook, contract
from ..municipalities import register
from ..problems import Problem, problem
from .fate import answer_headers
from ..privacy import PERSONAL, mask as mask_personal_data
from .values import _meta_header, _norm, pandera

# Municipality methods that resolve, but not by the official name or code of that year.
VARIANT_METHODS = {
    "alias": "een gangbare andere naam",
    "spelvariant": "een spelvariant",
    "voorganger": "een opgeheven gemeente",
    "naam_zonder_provinciesuffix": "de naam zonder provincieaanduiding",
}
EXACT_METHODS = ("cbs_code", "officiele_naam")


def _per_value(s: pd.Series, fn: Callable[[pd.Index], np.ndarray | list]) -> pd.Series:
    """fn evaluated once per distinct value of a categorical column, broadcast to its rows (None if empty)."""
    cat = s.array
    values = np.empty(len(cat.categories) + 1, dtype=object)  # last slot: code -1, the empty cell
    values[:-1] = list(fn(cat.categories)) if len(cat.categories) else []
    return pd.Series(values[cat.codes], index=s.index, name=s.name)


@dataclass
class _Rule:
    """One pandera check on one column, plus how to explain a failing cell to the steward."""
    column: str
    regel: str
    passes: Callable[[pd.Series], pd.Series]   # vectorized: True where the cell is fine
    explain: Callable[[int, str], tuple[str, str | None]]  # (row, value) -> (melding, shown value)


def _check_cross_field(data: pd.DataFrame, year: int, name: str, delivered: dict[str, str],
                       held: frozenset[int] = frozenset()) -> list[Problem]:
    """`held`: rows already quarantined whole by the value checks; they replace no other row."""
    pa = pandera()
    rules = (_field_format_rules(data, year) + _skip_rules(data, year) + _municipality_rules(data, year, held)
             + _personal_data_rules(data, year))
    if not rules or data.empty:
        return []
    by_key = {(r.column, r.regel): r for r in rules}
    columns: dict[str, list] = {}
    for r in rules:
        columns.setdefault(r.column, []).append(pa.Check(r.passes, name=r.regel, ignore_na=True))
    schema = pa.DataFrameSchema({c: pa.Column(checks=checks, nullable=True, required=False)
                                 for c, checks in columns.items()}, strict=False)
    try:
        schema.validate(data, lazy=True)
        return []
    except pa.errors.SchemaErrors as exc:
        failures = exc.failure_cases
    problems = []
    for column, check, value, rij in failures[["column", "check", "failure_case", "index"]].itertuples(index=False):
        rule = by_key.get((column, check))
        if rule is None:  # a check that crashed instead of answering: a bug here, not a data problem
            raise RuntimeError(f"cross-field check {check!r} on column {column!r} did not run")
        melding, shown = rule.explain(rij, value)
        problems.append(problem(name, rule.regel, melding, rij=rij, kolom=delivered.get(column, column), waarde=shown))
    return problems


def _on_rows(ok: pd.Series) -> Callable[[pd.Series], pd.Series]:
    """A column check from a row-level verdict computed over the whole table."""
    return lambda s: ok.reindex(s.index, fill_value=True).astype(bool)


def _human_format(fmt: str) -> str:
    for code, text in (("%d", "dd"), ("%m", "mm"), ("%Y", "jjjj"), ("%H", "uu"), ("%M", "mm"), ("%S", "ss")):
        fmt = fmt.replace(code, text)
    return fmt


def _dates(s: pd.Series, fmt: str) -> pd.Series:
    """Datetimes parsed with the contract's format, once per distinct value (NaT if empty or invalid)."""
    cat = s.array
    parsed = pd.to_datetime(pd.Series(np.asarray(cat.categories, dtype=object), dtype=object), format=fmt,
                            errors="coerce").to_numpy(dtype="datetime64[ns]")
    values = np.concatenate([parsed, np.array(["NaT"], dtype="datetime64[ns]")])
    return pd.Series(values[cat.codes], index=s.index)


def _field_format_rules(data: pd.DataFrame, year: int) -> list[_Rule]:
    """Datetimes in the contract's format, numbers parseable: typed fields the model keeps as text."""
    rules = []
    answers = answer_headers(year)
    for f in contract.load_contract(year)["fields"]:
        if f["name"] not in data.columns:
            continue
        then = (" Tot dan staat alleen dit antwoord in quarantaine (antwoorden_quarantaine); de rest van de "
                "inzending telt mee." if f["name"] in answers else
                " Tot dan staat de hele inzending in quarantaine (telt niet mee).")
        if f["type"] == "datetime":
            fmt = f["format"]
            example = pd.Timestamp(2024, 3, 1, 9, 30).strftime(fmt)
            rules.append(_Rule(f["name"], "datum_ongeldig", lambda s, fmt=fmt: _dates(s, fmt).notna(),
                               lambda rij, v, fmt=fmt, example=example: (
                                   f"'{v}' is geen geldig moment in het formaat {_human_format(fmt)} (bijvoorbeeld "
                                   f"{example}). Vraag de leverancier om een correctie.{then}", v)))
        elif f["type"] in ("number", "integer"):
            def numeric(s):
                return _per_value(s, lambda cats: pd.to_numeric(pd.Series(cats, dtype=object).str.replace(
                    ",", ".", regex=False), errors="coerce").notna().to_numpy()).astype(bool)
            rules.append(_Rule(f["name"], "getal_ongeldig", numeric,
                               lambda rij, v, then=then: (f"'{v}' is geen getal. Vraag de leverancier om een "
                                                          f"correctie.{then}", v)))
    return rules


def _skip_rules(data: pd.DataFrame, year: int) -> list[_Rule]:
    """Questions only asked after certain answers must stay empty otherwise (codebook `alleen_als`)."""
    book = codebook.load()
    cols = book.answer_columns(year)
    rules = []
    for rule in book.skip_rules():
        dependent = [c.header for c in cols if c.vraag_id == rule["vraag_id"] and c.header in data.columns]
        condition = next((c for c in cols if c.vraag_id == rule["als_vraag"] and c.item_code is None
                          and c.header in data.columns), None)
        if not dependent or condition is None:
            continue
        code_of = {_norm(label): code for label, code in zip(condition.labels, condition.codes)}
        given = data[condition.header]
        code = _per_value(given, lambda cats: [code_of.get(_norm(v)) for v in cats])
        unknown = given.notna() & code.isna()  # an unknown answer is reported already; do not judge on it
        ok = code.isin(rule["als_opties"]) | unknown
        allowed = "; ".join(f"'{label}'" for label, c in zip(condition.labels, condition.codes)
                            if c in rule["als_opties"])

        def explain(rij, v, cond=condition.header, allowed=allowed, given=given):
            answer = given.get(rij)
            shown = f"'{answer}'" if isinstance(answer, str) else "leeg"
            return (f"Deze vraag is beantwoord, maar wordt alleen gesteld als '{cond}' is beantwoord met een van: "
                    f"{allowed}. Daar staat {shown}. Vraag de leverancier welk antwoord klopt; tot dan staat alleen dit "
                    f"antwoord in quarantaine (antwoorden_quarantaine), de rest van de inzending telt mee.", v)
        rules += [_Rule(h, "overslaglogica", _on_rows(ok), explain) for h in dependent]
    return rules


def _municipality_rules(data: pd.DataFrame, year: int, held: frozenset[int] = frozenset()) -> list[_Rule]:
    spec = contract.load_contract(year)
    column, end_column = _meta_header(spec, "gemeente"), _meta_header(spec, "eindtijd")
    if column not in data.columns:
        return []
    reg = register()
    given = data[column]
    resolved = {v: reg.resolve(year, v) for v in given.array.categories}  # once per distinct value
    method = _per_value(given, lambda cats: [resolved[v].methode for v in cats])
    code = _per_value(given, lambda cats: [resolved[v].gemeente_code for v in cats])
    names = dict(zip(*reg.municipalities(year)[["gemeente_code", "naam"]].to_dict("list").values()))
    unknown, variant = _name_explanations(resolved, names, year)
    end = _end_times(data, spec, end_column)
    exact = method.isin(EXACT_METHODS)
    # only exactly resolved rows replace each other, and never a row that is quarantined anyway
    competing = exact & ~pd.Series(data.index.isin(list(held)), index=data.index)
    winner = _latest_submission(code.where(competing), end)
    collided = _collisions(code, exact)
    duplicate, collision = _duplicate_explanations(given, code, exact, competing, end, winner, collided, resolved,
                                                   names, end_column)
    return [
        _Rule(column, "gemeente_onbekend", _on_rows(method != "onbekend"), unknown),
        _Rule(column, "gemeente_dubbelzinnig", _on_rows(method != "dubbelzinnig"), unknown),
        # a colliding variant is an error below; "niets te doen" would not be true for it
        _Rule(column, "gemeente_variant", _on_rows(~method.isin(list(VARIANT_METHODS))
                                                   | pd.Series(data.index.isin(list(collided)), index=data.index)),
              variant),
        _Rule(column, "gemeente_botsing", _on_rows(pd.Series(~data.index.isin(list(collided)), index=data.index)),
              collision),
        _Rule(column, "dubbele_inzending", _on_rows(pd.Series(~data.index.isin(list(winner)), index=data.index)),
              duplicate),
    ]


def _name_explanations(resolved: dict, names: dict[str, str], year: int):
    """The messages for a municipality name that is unknown or ambiguous, and for a variant spelling."""
    def candidates(res) -> str:
        if all(c in (res.melding or "") for c in res.kandidaten):
            return ""  # the resolver's message names them already
        listed = [f"{names[c]} ({c})" for c in res.kandidaten if c in names]
        return f" Mogelijke gemeenten: {', '.join(listed)}." if listed else ""

    def unknown(rij, v):
        res = resolved[v]
        return (f"{res.melding}{candidates(res)} Tot dan staat de hele inzending in quarantaine (telt niet mee). "
                "Vraag de leverancier welke gemeente bedoeld is; een vaste schrijfwijze kan als alias in "
                "reference/gemeente_aliassen.csv.", v)

    def variant(rij, v):
        res = resolved[v]
        note = f" {res.melding}" if res.melding else ""
        return (f"'{v}' is {VARIANT_METHODS[res.methode]}, niet de officiële CBS-naam van {year}; wordt gelezen "
                f"als {res.naam} ({res.gemeente_code}).{note} Klopt dat, dan hoeft u niets te doen.", v)

    return unknown, variant


def _end_times(data: pd.DataFrame, spec: dict, end_column: str) -> pd.Series:
    if end_column in data.columns:
        fmt = next(f["format"] for f in spec["fields"] if f["name"] == end_column)
        return _dates(data[end_column], fmt)
    # reported as a missing column; without end times the row further down wins
    return pd.Series(np.array(["NaT"] * len(data), dtype="datetime64[ns]"), index=data.index)


def _duplicate_explanations(given, code, exact, competing, end, winner, collided, resolved, names, end_column):
    """The messages for a replaced duplicate and for a non-exact name that collides with another row."""
    # plain dicts: the explanations below run once per problem, thousands of times in a large delivery
    code_at, given_at = dict(zip(code.index, code)), dict(zip(given.index, given.tolist()))
    exact_at = dict(zip(exact.index, exact.tolist()))
    stamps = end.to_numpy()
    end_at = {r: (None if pd.isna(t) else t) for r, t in zip(end.index, stamps)}  # datetime64 or None
    # as %Y-%m-%d %H:%M:%S, for all rows at once
    shown_at = {r: t.replace("T", " ") for r, t in zip(end.index, np.datetime_as_string(stamps, unit="s").tolist())}
    counting = {code_at[w]: w for w in set(winner.values())}  # municipality -> the exact row that counts
    counting.update({code_at[r]: r for r in code.index[competing & code.notna()]
                     if code_at[r] not in counting})

    def when(rij) -> str:
        return "geen geldige eindtijd" if end_at.get(rij) is None else f"eindtijd {shown_at[rij]}"

    def duplicate(rij, v):
        w, c = winner[rij], code_at[rij]
        why = (f"rij {w} ({when(w)}) eindigt later dan deze rij ({when(rij)})"
               if end_at.get(w) is not None and (end_at.get(rij) is None or end_at[w] > end_at[rij])
               else f"de eindtijden zijn gelijk of ontbreken ({when(w)}; deze rij {when(rij)}), dan telt de "
                    "onderste rij")
        return (f"Gemeente {names[c]} ({c}) heeft ook in rij {w} ('{given_at.get(w)}') een inzending; beide namen zijn "
                f"exact herkend. Regel: de inzending met de laatste eindtijd ({end_column}) telt: {why}. Rij {w} telt; "
                "deze rij wordt bewaard als 'vervangen_duplicaat' en telt niet mee. Is dat niet juist, vraag de "
                "leverancier dan om een correctie.", v)

    def collision(rij, v):
        res, c = resolved[v], code_at[rij]
        others = "; ".join(f"rij {o} ('{given_at.get(o)}'" + (", exact herkend)" if exact_at[o] else ", ook niet exact herkend)")
                           for o in collided[rij])
        counts = counting.get(c)
        outcome = (f"Rij {counts} telt (exact herkend)." if counts is not None
                   else "Geen van deze rijen telt tot de leverancier het heeft opgehelderd.")
        return (f"'{v}' is {VARIANT_METHODS[res.methode]} en wordt gelezen als {names[c]} ({c}), maar {names[c]} heeft "
                f"ook een inzending in {others}. Omdat '{v}' niet exact is herkend, kan deze rij niet zeker aan "
                f"{names[c]} worden toegeschreven: deze rij staat in zijn geheel in quarantaine (telt niet mee) en "
                f"vervangt geen andere rij. {outcome} Vraag de leverancier welke gemeente in rij {rij} bedoeld is.", v)

    return duplicate, collision


def _collisions(code: pd.Series, exact: pd.Series) -> dict[int, list[int]]:
    """Row -> the other rows of its municipality, for every row resolved non-exactly whose
    municipality has more than one row: a duplicate that exists only through that resolution."""
    rows = pd.DataFrame({"code": code.to_numpy(), "exact": exact.to_numpy(), "rij": code.index.to_numpy()})
    rows = rows.dropna(subset=["code"])
    shared = rows[rows.groupby("code")["rij"].transform("size") > 1]
    members = shared.groupby("code")["rij"].apply(list).to_dict()
    return {r: [o for o in members[c] if o != r] for r, c in zip(shared.loc[~shared["exact"], "rij"].tolist(),
                                                                 shared.loc[~shared["exact"], "code"].tolist())}


def _latest_submission(code: pd.Series, end: pd.Series) -> dict[int, int]:
    """Row -> winning row, for every row that loses to a later submission of the same municipality.

    The latest end time wins; on a tie (or no valid end time) the row further down the file.
    """
    rows = pd.DataFrame({"code": code.to_numpy(), "end": end.to_numpy(), "rij": code.index.to_numpy()})
    rows = rows.dropna(subset=["code"]).sort_values(["code", "end", "rij"], na_position="first", kind="stable")
    rows["winner"] = rows.groupby("code")["rij"].transform("last")
    losers = rows[rows["rij"] != rows["winner"]]
    return dict(zip(losers["rij"].tolist(), losers["winner"].tolist()))


def _personal_data_rules(data: pd.DataFrame, year: int) -> list[_Rule]:
    """E-mail addresses and phone numbers in free-text answers (type `open`)."""
    open_columns = [c.header for c in codebook.load().answer_columns(year)
                    if c.type == "open" and c.header in data.columns]

    def clean(s):
        return _per_value(s, lambda cats: [PERSONAL.search(v) is None for v in cats]).astype(bool)

    def explain(rij, v):
        return ("De vrije tekst bevat een e-mailadres of telefoonnummer; wordt bij het opschonen afgeschermd. "
                "U hoeft niets te doen.", mask_personal_data(v))
    return [_Rule(h, "persoonsgegevens_in_vrije_tekst", clean, explain) for h in open_columns]

