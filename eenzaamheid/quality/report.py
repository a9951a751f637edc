"""The steward's quality report: deliveries, clean tables and database checks on one page.

`render` merges three sources into one self-contained HTML page (inline CSS, no scripts, no
external assets, everything escaped) and the same content as a JSON-able dict:

- per delivery file: the validation problems (frictionless contract + pandera rules) of
  `eenzaamheid.validate`, all of them;
- per table: the pandera check of the clean table (`clean_checks`: table -> 'geslaagd' or the
  failure text) and every Great Expectations check on that table (`eenzaamheid.quality`), with
  its severity, meaning and ALL failing rows by key;
- at the top a verdict: 'Publiceerbaar' when no fatal check failed (a failed clean-table check
  counts as fatal), otherwise 'Niet publiceerbaar' with the fatal checks listed.

The output is deterministic (no timestamps or durations, everything sorted) and free text is
redacted (privacy.redact_value, as in the published tables) once more, whatever
the callers did.
"""
from __future__ import annotations

import html
import json
import math
from collections import defaultdict
from pathlib import Path

import pandas as pd

from ..pipeline import cleanschema
from ..pipeline.privacy import redact_value, report_problem
from ..problems import FOUT, WAARSCHUWING
from .model import ERNSTEN, FATAAL, QualityResult

PUBLISHABLE, NOT_PUBLISHABLE = "Publiceerbaar", "Niet publiceerbaar"
# shown while any delivery in the build is synthetic (raw/MANIFEST.csv), as on every Datasette page
SYNTHETIC_NOTICE = ("<strong>Let op: synthetische demodata.</strong> De leveringen in deze build zijn gegenereerd "
                    "en gekalibreerd op de gepubliceerde landelijke cijfers; de rijen in dit rapport zijn niet de "
                    "antwoorden van echte gemeenten.")
PASSED = "geslaagd"
from ..refusal import NOT_RUN  # noqa: E402  (one wording for report and CLI)
TITLE = "Kwaliteitsrapport Benchmark Eén tegen eenzaamheid"
_RANK = {e: i for i, e in enumerate(ERNSTEN)}


# --- the content as a dict ----------------------------------------------------------------------

def _clean(value):
    """JSON-able, NaN/NA -> None, strings redacted."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, str):
        return redact_value(value)
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value)


def _loads(text):
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return None
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


def _controls(quality: QualityResult) -> list[dict]:
    merged = quality.controles.merge(quality.resultaten, on="controle_id", how="left")
    out = []
    for row in merged.to_dict("records"):
        row = _clean(row)
        out.append({
            "controle_id": row["controle_id"], "tabel": row["tabel"], "suite": row["suite"], "kolom": row["kolom"],
            "expectation": row["expectation"], "parameters": _loads(row["parameters"]), "ernst": row["ernst"],
            "herkomst": row["herkomst"], "betekenis": row["betekenis"],
            "geslaagd": bool(row["geslaagd"]) if row.get("geslaagd") is not None else False,
            "getoetst": row.get("getoetst"), "afwijkend": row.get("afwijkend"),
            "afwijkende_rijen": _clean(_loads(row.get("afwijkende_rijen")) or []),
            "waargenomen": _clean(_loads(row.get("waargenomen"))),
        })
    return sorted(out, key=lambda c: (c["geslaagd"], _RANK.get(c["ernst"], 9), c["controle_id"]))


def _deliveries(validation) -> list[dict]:
    if validation is None:
        return []
    problems = defaultdict(list)
    for p in sorted(validation.problems, key=lambda p: p.sort_key()):
        problems[p.bestand].append(_clean(report_problem(p)))
    years = {f.bestand: f.jaar for f in validation.files}
    out = []
    for name in sorted(set(years) | set(problems)):
        found = problems.get(name, [])
        errors = sum(p["ernst"] == FOUT for p in found)
        out.append({"bestand": redact_value(name), "jaar": years.get(name), "geslaagd": errors == 0, "fouten": errors,
                    "waarschuwingen": sum(p["ernst"] == WAARSCHUWING for p in found), "problemen": found})
    return out


def _table_order(names) -> list[str]:
    known = [t for t in cleanschema.TABLES if t in names]
    return known + sorted(set(names) - set(known))


def to_dict(validation, quality: QualityResult | None, clean_checks: dict[str, str] | None,
            synthetic: bool = False, refusal: dict | None = None) -> dict:
    controls = _controls(quality) if quality is not None else []
    clean_checks = dict(clean_checks or {})
    per_table = defaultdict(list)
    for c in controls:
        per_table[c["tabel"]].append(c)
    tables = []
    for name in _table_order(set(per_table) | set(clean_checks)):
        check = clean_checks.get(name)
        schema = (None if check is None else
                  {"geslaagd": check == PASSED, "melding": None if check == PASSED else redact_value(str(check))})
        found = per_table.get(name, [])
        if schema is not None and not schema["geslaagd"]:  # one readable line per failed check
            schema["regels"] = [line.strip() for line in schema["melding"].splitlines()[1:] if line.strip()]
        tables.append({"tabel": name, "schemacontrole": schema,
                       "geslaagd": all(c["geslaagd"] for c in found) and (schema is None or schema["geslaagd"]),
                       "controles": found})
    fatal = [c for c in controls if not c["geslaagd"] and c["ernst"] == FATAAL]
    failed_schema = [t["tabel"] for t in tables if t["schemacontrole"] and not t["schemacontrole"]["geslaagd"]]
    # without database checks (the build stopped before the database existed) nothing is publishable
    publishable = quality is not None and not fatal and not failed_schema and refusal is None
    ran = quality is not None
    # no counts when the database checks did not run: "0 of 0 passed" would read as all clear
    failed = {e: sum(1 for c in controls if not c["geslaagd"] and c["ernst"] == e) for e in ERNSTEN} if ran else None
    deliveries = _deliveries(validation)
    return {
        "synthetisch": bool(synthetic),
        "oordeel": PUBLISHABLE if publishable else NOT_PUBLISHABLE,
        "publiceerbaar": publishable,
        "weigering": _clean(refusal),
        "samenvatting": {
            "controles": len(controls) if ran else None, "geslaagd": sum(c["geslaagd"] for c in controls) if ran else None,
            "gefaald": failed,
            "schemacontroles_gefaald": failed_schema, "databasecontroles_uitgevoerd": quality is not None,
            "leveringen": len(deliveries),
            "leveringsfouten": sum(d["fouten"] for d in deliveries),
            "leveringswaarschuwingen": sum(d["waarschuwingen"] for d in deliveries),
        },
        "fatale_controles": [{k: c[k] for k in ("controle_id", "tabel", "betekenis", "afwijkend")} for c in fatal],
        "leveringen": deliveries,
        "tabellen": tables,
    }


# --- HTML ----------------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#1b1b1b;line-height:1.4;max-width:90rem}
h1{font-size:1.5rem}h2{font-size:1.25rem;margin-top:2.5rem;border-bottom:2px solid #ddd}h3{font-size:1.05rem;margin-top:1.8rem}
table{border-collapse:collapse;width:100%;font-size:.88rem;margin:.5rem 0}
th,td{border:1px solid #ccc;padding:.25rem .45rem;text-align:left;vertical-align:top}
th{background:#f0f0f0}
.oordeel{padding:1rem 1.25rem;border-radius:.4rem;margin:1rem 0;border:2px solid}
.oordeel.ja{background:#e6f4ea;border-color:#1d6b2f;color:#0f3d1a}
.oordeel.nee{background:#fde2e1;border-color:#8a1c1c;color:#5c0f0f}
.oordeel strong{font-size:1.4rem;display:block}
.synthetisch{background:#fff4d6;border-left:6px solid #b07d00;padding:.6rem 1rem;color:#4a3500}
.ok{color:#1d6b2f;font-weight:600}.nok{color:#8a1c1c;font-weight:600}
td.fataal,td.fout{background:#fde2e1;color:#8a1c1c;font-weight:600}
td.waarschuwing{background:#fff4d6;color:#6b4e00;font-weight:600}
tr.geslaagd td{color:#555}
code,td.waarde,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.82rem}
pre{white-space:pre-wrap;background:#f7f7f7;padding:.5rem;margin:.25rem 0}
details summary{cursor:pointer}
.klein{font-size:.85rem;color:#444}
.scroll{overflow-x:auto;max-width:100%}
table.controles{table-layout:fixed}
table.controles th:nth-child(1){width:5.5rem}table.controles th:nth-child(2){width:8.5rem}
table.controles th:nth-child(3){width:24%}table.controles th:nth-child(4),table.controles th:nth-child(5){width:5.5rem}
table.controles>tbody>tr>td{overflow-wrap:anywhere}
td.waarde{white-space:nowrap}
tr.detail>td{background:#fafafa}
.label{padding:0 .3rem;border-radius:.2rem}.label.fataal,.label.fout{background:#fde2e1;color:#8a1c1c}
.label.waarschuwing{background:#fff4d6;color:#6b4e00}
"""


def _e(value) -> str:
    return "" if value is None else html.escape(str(value), quote=True)


def _rows_table(rows: list[dict]) -> str:
    columns: list[str] = []
    for r in rows:
        columns += [k for k in r if k not in columns]
    head = "".join(f"<th>{_e(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f'<td class="waarde">{_e(_cell(r.get(c)))}</td>' for c in columns) + "</tr>"
                   for r in rows)
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _control_html(c: dict) -> str:
    failed = not c["geslaagd"]
    status = '<span class="nok">gefaald</span>' if failed else '<span class="ok">geslaagd</span>'
    params = f"<details><summary>parameters</summary><pre>{_e(_cell(c['parameters']))}</pre></details>"
    row = (f'<tr class="{"gefaald" if failed else "geslaagd"}" id="{_e(c["controle_id"])}">'
           f"<td>{status}</td><td class=\"{_e(c['ernst']) if failed else ''}\">{_e(c['ernst'])}</td>"
           f"<td><code>{_e(c['controle_id'])}</code><br><span class=\"klein\">{_e(c['expectation'])}"
           f"{' · ' + _e(c['kolom']) if c['kolom'] else ''} · {_e(c['herkomst'])}</span></td>"
           f"<td>{_e(c['getoetst'])}</td><td>{_e(c['afwijkend'])}</td><td>{_e(c['betekenis'])}{params}</td></tr>")
    if failed:  # what was found, full width below the check
        detail = f"<p class=\"klein\">Waargenomen: <code>{_e(_cell(c['waargenomen']))}</code></p>"
        if c["afwijkende_rijen"]:
            detail += (f"<details open><summary>Alle {len(c['afwijkende_rijen'])} afwijkende rij(en)</summary>"
                       f"{_rows_table(c['afwijkende_rijen'])}</details>")
        row += f'<tr class="detail"><td colspan="6">{detail}</td></tr>'
    return row


_CONTROL_HEAD = ("<thead><tr><th>uitkomst</th><th>ernst</th><th>controle</th><th>getoetst</th><th>afwijkend</th>"
                 "<th>betekenis</th></tr></thead>")


def _table_html(t: dict, ran: bool = True) -> str:
    sc = t["schemacontrole"]
    schema = ("<p>Schemacontrole (pandera): niet meegegeven.</p>" if sc is None else
              "<p>Schemacontrole (pandera): <span class=\"ok\">geslaagd</span></p>" if sc["geslaagd"] else
              "<p>Schemacontrole (pandera): <span class=\"nok\">gefaald</span></p><ul>"
              + "".join(f"<li>{_e(line)}</li>" for line in sc.get("regels") or [sc["melding"]]) + "</ul>")
    failed = [c for c in t["controles"] if not c["geslaagd"]]
    passed = [c for c in t["controles"] if c["geslaagd"]]
    body = (f"<p>{len(t['controles'])} controle(s), {len(failed)} gefaald.</p>" if ran else
            f"<p>{_e(NOT_RUN)}</p>")
    if failed:
        body += f"<table class=\"controles\">{_CONTROL_HEAD}<tbody>{''.join(map(_control_html, failed))}</tbody></table>"
    if passed:
        body += (f"<details><summary>{len(passed)} geslaagde controle(s)</summary><table class=\"controles\">"
                 f"{_CONTROL_HEAD}<tbody>{''.join(map(_control_html, passed))}</tbody></table></details>")
    return (f"<h3 id=\"tabel-{_e(t['tabel'])}\">{_e(t['tabel'])} <span class=\"{'ok' if t['geslaagd'] else 'nok'}\">"
            f"{'geslaagd' if t['geslaagd'] else 'gefaald'}</span></h3>{schema}{body}")


def _overview_html(report: dict) -> str:
    ran = report["samenvatting"]["databasecontroles_uitgevoerd"]
    rows = []
    for t in report["tabellen"]:
        sc = t["schemacontrole"]
        counts = {e: sum(1 for c in t["controles"] if not c["geslaagd"] and c["ernst"] == e) for e in ERNSTEN}
        rows.append(f"<tr><td><a href=\"#tabel-{_e(t['tabel'])}\">{_e(t['tabel'])}</a></td>"
                    f"<td>{'' if sc is None else ('geslaagd' if sc['geslaagd'] else 'gefaald')}</td>"
                    + (f"<td>{len(t['controles'])}</td>"
                       + "".join(f"<td class=\"{_e(e) if n else ''}\">{n}</td>" for e, n in counts.items())
                       if ran else f"<td colspan=\"{1 + len(ERNSTEN)}\">niet uitgevoerd</td>") + "</tr>")
    failed = [c for t in report["tabellen"] for c in t["controles"] if not c["geslaagd"]]
    failed.sort(key=lambda c: (_RANK.get(c["ernst"], 9), c["controle_id"]))
    items = "".join(f"<li><span class=\"label {_e(c['ernst'])}\">{_e(c['ernst'])}</span> "
                    f"<a href=\"#{_e(c['controle_id'])}\"><code>{_e(c['controle_id'])}</code></a>: "
                    f"{_e(c['afwijkend'])} afwijkend</li>" for c in failed)
    return ("<h2>Overzicht</h2><table><thead><tr><th>tabel</th><th>schemacontrole (pandera)</th><th>controles</th>"
            + "".join(f"<th>gefaald: {_e(e)}</th>" for e in ERNSTEN) + f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            + (f"<h3>Gefaalde controles</h3><ul>{items}</ul>" if items else
               "<p>Alle controles geslaagd.</p>" if ran else f"<p>{_e(NOT_RUN)}</p>"))


def to_html(report: dict) -> str:
    s = report["samenvatting"]
    ok = report["publiceerbaar"]
    fatal_items = "".join(
        f"<li><a href=\"#{_e(c['controle_id'])}\"><code>{_e(c['controle_id'])}</code></a> ({_e(c['tabel'])}, "
        f"{_e(c['afwijkend'])} afwijkend): {_e(c['betekenis'])}</li>" for c in report["fatale_controles"])
    fatal_items += "".join(f"<li>Schemacontrole (pandera) van tabel <code>{_e(t)}</code> gefaald.</li>"
                           for t in s["schemacontroles_gefaald"])
    ran = s["databasecontroles_uitgevoerd"]
    if not ran:
        fatal_items += f"<li>{_e(NOT_RUN)}</li>"
    why = report.get("weigering")
    if ok:
        lead = "Geen fatale controle gefaald."
    elif why:  # the cause first, in the steward's words
        lead = (f'<p id="oorzaak">De build stopte bij stap <b>{_e(why["fase"])}</b>: {_e(why["oorzaak"])}</p>'
                + (f"<ul>{''.join(f'<li>{_e(d)}</li>' for d in why['details'])}</ul>" if why["details"] else "")
                + (f"<p><b>Wat te doen:</b> {_e(why['wat_te_doen'])}</p>" if why["wat_te_doen"] else "")
                + f"<p>De vorige publicatie blijft staan.{'' if ran else ' ' + _e(NOT_RUN)}</p>")
    else:
        lead = f"Fatale controles gefaald; niet publiceren tot deze zijn opgelost:<ul>{fatal_items}</ul>"
    counts = (f"{s['controles']} controles, {s['geslaagd']} geslaagd; gefaald: "
              + ", ".join(f"{n} {_e(e)}" for e, n in s["gefaald"].items()) + ". ") if ran else ""
    verdict = (f'<div class="oordeel {"ja" if ok else "nee"}" id="oordeel"><strong>{_e(report["oordeel"])}</strong>'
               + lead + f"<p>{counts}Leveringen: {s['leveringen']} bestand(en), {s['leveringsfouten']} fout(en), "
               f"{s['leveringswaarschuwingen']} waarschuwing(en)."
               + (" Een fout in één antwoord zet alleen dat antwoord apart (antwoorden_quarantaine); een fout in de "
                  "gemeente, verplichte gegevens of het bestand zet de hele rij apart (in_quarantaine)."
                  if s["leveringsfouten"] and ran else "") + "</p></div>")
    explanation = ("<p class=\"klein\">Ernst: <b>fataal</b> = niet publiceren; <b>fout</b> = de cijfers kloppen "
                   "waarschijnlijk niet, uitzoeken en herstellen; <b>waarschuwing</b> = opvallend maar mogelijk, de "
                   "databeheerder bevestigt. Herkomst: codeboek (schemas/codebook.yaml en schemas/jaren/), schema (schemas/clean) of "
                   "handmatig (checks/handmatige_controles.yml). Vrije tekst is gemaskeerd.</p>")

    deliveries = []
    for d in report["leveringen"]:
        head = (f"<h3>{_e(d['bestand'])} <span class=\"{'ok' if d['geslaagd'] else 'nok'}\">"
                f"{'geslaagd' if d['geslaagd'] else 'gefaald'}</span></h3>"
                f"<p>{d['fouten']} fout(en), {d['waarschuwingen']} waarschuwing(en)"
                + (f", jaar {_e(d['jaar'])}" if d["jaar"] is not None else "") + ".</p>")
        if d["problemen"]:
            rows = "".join(
                f"<tr><td>{_e(p['rij'])}</td><td>{_e(p['kolom'])}</td><td class=\"waarde\">{_e(p['waarde'])}</td>"
                f"<td>{_e(p['regel'])}</td><td class=\"{_e(p['ernst'])}\">{_e(p['ernst'])}</td><td>{_e(p['melding'])}</td></tr>"
                for p in d["problemen"])
            head += ("<div class=\"scroll\"><table><thead><tr><th>rij</th><th>kolom</th><th>waarde</th><th>regel</th>"
                     f"<th>ernst</th><th>melding</th></tr></thead><tbody>{rows}</tbody></table></div>")
        deliveries.append(head)
    delivery_html = ("<h2>Leveringen</h2>" + ("".join(deliveries) if deliveries else
                                              "<p>Geen validatie van leveringen meegegeven.</p>"))
    ran = s["databasecontroles_uitgevoerd"]
    tables = "".join(_table_html(t, ran) for t in report["tabellen"])
    return ("<!DOCTYPE html>\n<html lang=\"nl\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            + ('<meta name="robots" content="noindex">' if report.get("synthetisch") else "")
            + f"<title>{_e(TITLE)}</title><style>{_CSS}</style></head><body>"
            f"<h1>{_e(TITLE)}</h1>"
            + (f'<p class="synthetisch" id="synthetisch">{SYNTHETIC_NOTICE}</p>' if report.get("synthetisch") else "")
            + f"{verdict}{explanation}{_overview_html(report)}{delivery_html}"
            f"<h2>Tabellen</h2>{tables}</body></html>\n")


# --- API -----------------------------------------------------------------------------------------

def render(validation, quality: QualityResult | None, clean_checks: dict[str, str] | None,
           synthetic: bool = False, refusal: dict | None = None) -> tuple[str, dict]:
    """The report as (HTML page, JSON-able dict).

    validation: an `eenzaamheid.validate.ValidationResult` (or None: no delivery section);
    quality: the result of `eenzaamheid.quality.run` (None when the build stopped before the
    database existed: the report then shows deliveries and clean-table checks, and is never
    'Publiceerbaar');
    clean_checks: table -> 'geslaagd' or the pandera failure text (or None);
    refusal: for a refused build, `eenzaamheid.refusal.Refusal.as_dict()`: the report leads with it.
    """
    report = to_dict(validation, quality, clean_checks, synthetic, refusal)
    return to_html(report), report


from ..atomic import write_atomic as _write_atomic  # noqa: E402  (one atomic writer for all reports)


def to_json(report: dict) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write(path_html: Path | None, path_json: Path | None, validation, quality: QualityResult | None,
          clean_checks: dict[str, str] | None = None, synthetic: bool = False, refusal: dict | None = None) -> dict:
    """Write the HTML page and/or the JSON file (atomically); returns the report dict."""
    page, report = render(validation, quality, clean_checks, synthetic, refusal)
    if path_html is not None:
        _write_atomic(path_html, page)
    if path_json is not None:
        _write_atomic(path_json, to_json(report))
    return report


REPORT_SUFFIXES = (".html", ".htm", ".json")


def write_report(path: Path, validation, quality: QualityResult | None,
                 clean_checks: dict[str, str] | None = None, synthetic: bool = False) -> dict:
    """One report file, its format chosen by the suffix (.html/.htm or .json), e.g. for --report."""
    suffix = Path(path).suffix.lower()
    if suffix not in REPORT_SUFFIXES:
        raise ValueError(f"Onbekend rapportformaat '{suffix}': gebruik .html of .json.")
    return write(None if suffix == ".json" else path, path if suffix == ".json" else None,
                 validation, quality, clean_checks, synthetic)
