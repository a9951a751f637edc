"""What the pages need that does not change while the immutable database is served.

Everything that does not depend on the request (the codebook tables, the shares of the views
`aandelen` and `aandelen_per_provincie`, the municipalities and their participation) is read
once per database file into a `Store` and kept in memory (`get_store`).

Whether the data is synthetic is read from the served database
(`select count(*) from bronbestanden where synthetisch = 1`), never assumed.
"""
import os

from eenzaamheid.site.common import DATABASE, PANEL_DEFAULT_YEARS, SHOWN_POPULATIONS, normalize


def _codebook_order():
    """Question, item and option order of the questionnaire (the database keeps them sorted by
    key). From schemas/codebook.yaml through the project package; alphabetical if unavailable."""
    try:
        from eenzaamheid import codebook
        book = codebook.load()
    except Exception:  # noqa: BLE001 - the site works without it, only the order differs
        return {}, {}, {}
    questions, items, options = {}, {}, {}
    for qi, q in enumerate(book.data["vragen"]):
        questions[q["vraag_id"]] = qi
        for ii, item in enumerate(q.get("items") or []):
            items[(q["vraag_id"], item["item_code"])] = ii
        for oi, o in enumerate(q.get("opties") or []):
            options[(q["vraag_id"], o["optie_code"])] = oi
    return questions, items, options


def rows(conn, sql, params=()):
    cur = conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def valid_on(g: dict, day: str) -> bool:
    return g["geldig_van"] <= day < (g["geldig_tot"] or "9999-12-31")


class Store:
    """What the pages need that does not change while an immutable database is served.

    synthetisch, synthetische_bestanden; jaren, jaargangen (jaar -> row); gemeenten (code -> row,
    plus 'zoek': the normalized name); voorgangers (successor code -> merged predecessors);
    provincies (code -> name); vragen (rows in questionnaire order), vraag (id -> row), secties
    [(sectie, label, [vragen])]; versies ((vraag_id, jaar) -> row); opties (vraag_id -> rows in
    questionnaire order), optie ((vraag, item, optie) -> row); aandelen (vraag_id -> rows of the
    shown populations); nederland ((jaar, vraag, item, optie) -> (aantal, basis, percentage));
    provincie ((jaar, provincie_code, vraag, item, optie) -> idem); kaart (jaar -> dots);
    kerncijfers (vraag_id -> rows of the table kerncijfers, by year); jaarlabels ((vraag, item, optie,
    jaar) -> the option's wording that year; read through `label`).
    """

    def __init__(self, **values):
        self.__dict__.update(values)
        self.panel_jaren = PANEL_DEFAULT_YEARS
        self.cache = {}   # rendered pieces (charts, map) by key; deterministic, so races are harmless

    def label(self, vraag_id: str, item_code: str, optie_code: str, jaar: int | None = None) -> str | None:
        """An option's wording in `jaar` (table optielabels_per_jaar); without a year, or for a year
        the table lacks, the general label of antwoordopties; None for an unknown option."""
        own = self.jaarlabels.get((vraag_id, item_code, optie_code, jaar))
        return own or (self.optie.get((vraag_id, item_code, optie_code)) or {}).get("label")

    def latest_label(self, vraag_id: str, item_code: str, optie_code: str) -> str | None:
        """The wording of the latest year the option was offered: what a legend spanning years shows."""
        years = (self.optie.get((vraag_id, item_code, optie_code)) or {}).get("jaren_set")
        return self.label(vraag_id, item_code, optie_code, max(years) if years else None)

    def other_wordings(self, vraag_id: str, item_code: str, optie_code: str) -> list[tuple[str, list[int]]]:
        """[(wording, its years)] of the years that worded the option otherwise than its latest year
        did, oldest first: what a text spanning years adds after `latest_label`."""
        latest = self.latest_label(vraag_id, item_code, optie_code)
        years = sorted((self.optie.get((vraag_id, item_code, optie_code)) or {}).get("jaren_set") or ())
        out: dict = {}
        for jaar in years:
            words = self.label(vraag_id, item_code, optie_code, jaar)
            if words != latest:
                out.setdefault(words, []).append(jaar)
        return list(out.items())

    @classmethod
    def load(cls, conn):
        try:
            n_synth = conn.execute("select count(*) from bronbestanden where synthetisch = 1").fetchone()[0]
        except Exception:  # noqa: BLE001 - no provenance table: we cannot tell, so we warn
            n_synth = -1
        q_order, i_order, o_order = _codebook_order()

        gemeenten = {g["gemeente_code"]: g for g in rows(conn, "select * from gemeenten")}
        voorgangers: dict = {}
        for g in gemeenten.values():
            g["zoek"] = normalize(g["naam"])
            g["geldig_tot"] = g["geldig_tot"] or None
            if g["opvolger_code"] != g["gemeente_code"]:
                voorgangers.setdefault(g["opvolger_code"], []).append(g)
        provincies = {g["provincie_code"]: g["provincie"] for g in gemeenten.values()}
        jaargangen = {r["jaar"]: r for r in rows(conn, "select * from jaargangen order by jaar")}

        vragen = rows(conn, "select * from vragen")
        vragen.sort(key=lambda v: (v["sectie"], q_order.get(v["vraag_id"], 999), v["vraag_id"]))
        secties: list = []
        for v in vragen:
            if not secties or secties[-1][0] != v["sectie"]:
                secties.append((v["sectie"], v["sectie_label"], []))
            secties[-1][2].append(v)
        versies = {(r["vraag_id"], r["jaar"]): r for r in rows(conn, "select * from vraagversies")}

        opties, optie, jaarlabels = _options(conn, q_order, i_order, o_order)
        kerncijfers: dict = {}
        try:
            for r in rows(conn, "select * from kerncijfers order by jaar"):
                kerncijfers.setdefault(r["vraag_id"], []).append(r)
        except Exception:  # noqa: BLE001 - a database built before the table existed: no headline figures
            pass
        aandelen, nederland, provincie = _shares(conn)
        kaart = _map(conn, gemeenten, jaargangen)

        return cls(synthetisch=n_synth != 0, synthetische_bestanden=n_synth, jaren=sorted(jaargangen),
                   jaargangen=jaargangen, gemeenten=gemeenten, voorgangers=voorgangers, provincies=provincies,
                   vragen=vragen, vraag={v["vraag_id"]: v for v in vragen}, secties=secties, versies=versies,
                   opties=opties, optie=optie, aandelen=aandelen, nederland=nederland, provincie=provincie,
                   kaart=kaart, kerncijfers=kerncijfers, jaarlabels=jaarlabels)


def _options(conn, q_order: dict, i_order: dict, o_order: dict) -> tuple[dict, dict, dict]:
    """(vraag_id -> its options in questionnaire order, (vraag, item, optie) -> option, (vraag, item,
    optie, jaar) -> that year's wording from optielabels_per_jaar)."""
    def option_key(r):
        return (q_order.get(r["vraag_id"], 999), r["vraag_id"],
                i_order.get((r["vraag_id"], r["item_code"]), 999), r["item_code"],
                o_order.get((r["vraag_id"], r["optie_code"]), 999), r["optie_code"])

    opties: dict = {}
    optie = {}
    for r in sorted(rows(conn, "select * from antwoordopties"), key=option_key):
        r["jaren_set"] = {int(y) for y in (r["jaren"] or "").split(",") if y}
        opties.setdefault(r["vraag_id"], []).append(r)
        optie[(r["vraag_id"], r["item_code"], r["optie_code"])] = r
    jaarlabels: dict = {}
    try:
        for r in rows(conn, "select * from optielabels_per_jaar"):
            jaarlabels[(r["vraag_id"], r["item_code"], r["optie_code"], r["jaar"])] = r["label"]
    except Exception:  # noqa: BLE001 - a database built before the table existed: the general labels
        pass
    return opties, optie, jaarlabels


def _shares(conn) -> tuple[dict, dict, dict]:
    """(vraag_id -> its shares of the shown populations, (jaar, vraag, item, optie) -> the country's
    (aantal, basis, percentage), (jaar, provincie, vraag, item, optie) -> the province's)."""
    aandelen: dict = {}
    nederland = {}
    for r in rows(conn, "select * from aandelen"):
        if r["populatie"] == "alle_respondenten":
            nederland[(r["jaar"], r["vraag_id"], r["item_code"], r["optie_code"])] = (
                r["aantal"], r["basis"], r["percentage"])
        if r["populatie"] in SHOWN_POPULATIONS:
            aandelen.setdefault(r["vraag_id"], []).append(r)
    provincie = {}
    for r in rows(conn, "select jaar, provincie_code, vraag_id, item_code, optie_code, aantal, basis, "
                         "percentage from aandelen_per_provincie"):
        provincie[(r["jaar"], r["provincie_code"], r["vraag_id"], r["item_code"], r["optie_code"])] = (
            r["aantal"], r["basis"], r["percentage"])
    return aandelen, nederland, provincie


def _map(conn, gemeenten: dict, jaargangen: dict) -> dict:
    """jaar -> the map's dots: every municipality that existed on 1 January of that survey year, whether
    it took part under its own code that year, and the panels of its successor."""
    deelgenomen = {(r["gemeente_code"], r["jaar"]) for r in rows(
        conn, "select distinct gemeente_code, jaar from inzendingen where status = 'geaccepteerd'")}
    panels = {(r["gemeente_code"], r["jaar"]): r for r in rows(
        conn, "select gemeente_code, jaar, lid_vast_panel_2022_2024 as vast_panel_2022_2024, "
        "lid_groep_2022_2023 as groep_2022_2023 from deelname")}
    kaart = {}
    for jaar in jaargangen:
        dots = []
        for g in sorted(gemeenten.values(), key=lambda g: g["zoek"]):
            if not valid_on(g, f"{jaar}-01-01"):
                continue
            p = panels.get((g["opvolger_code"], jaar)) or {}
            dots.append({"code": g["gemeente_code"], "naam": g["naam"], "provincie": g["provincie"],
                         "lat": g["latitude"], "lon": g["longitude"],
                         "deelgenomen": (g["gemeente_code"], jaar) in deelgenomen,
                         "vast_panel": bool(p.get("vast_panel_2022_2024"))})
        kaart[jaar] = dots
    return kaart


_STORES: dict = {}


def current_store():
    """The store of the database being served, or None before the first request loaded it."""
    return next(iter(_STORES.values()), None)


def database(datasette):
    return datasette.databases.get(DATABASE) or datasette.get_database()


async def get_store(datasette) -> Store:
    db = database(datasette)
    key = (db.name, db.path)
    if db.is_mutable and db.path:  # not how we serve, but then a change must be seen
        st = os.stat(db.path)
        key += (st.st_mtime_ns, st.st_size)
    store = _STORES.get(key)
    if store is None:
        store = await db.execute_fn(Store.load)
        store.panel_jaren = _panel_years(datasette)
        _STORES.clear()
        _STORES[key] = store
    return store


def _panel_years(datasette) -> dict:
    """Panel name -> its years, from the metadata's `panels` block if served, else the defaults."""
    out = dict(PANEL_DEFAULT_YEARS)
    try:
        for name, panel in (datasette.metadata("panels") or {}).items():
            out[name] = tuple(int(y) for y in panel["jaren"])
    except Exception:  # noqa: BLE001 - malformed or absent: keep the defaults
        pass
    return out
