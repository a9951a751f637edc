-- Views of the benchmark database: the answers people ask for, computed from the tables.
-- Executed by load.write_database after all tables are loaded (SQLite 3.40+).
--
-- Every view carries `synthetisch` (1 when its figure rests on synthetic demo deliveries), as the
-- tables do, so that a synthetic number cannot be exported without its label.
--
-- Only accepted submissions count (inzendingen.status = 'geaccepteerd'). The base of a share is
-- the number of submissions that answered the question (matrix: that row); for a
-- multiple-choice question (vragen.type = 'meervoudig') the submissions that ticked at least
-- one of its items, as in the reports.
--
-- How the shares are computed: every accepted answer is joined to all options of its row that
-- were offered that year (antwoordopties.jaren); for a multiple-choice question to all items
-- of the question. Grouped per option, `aantal` counts the rows where the option is the answer
-- and count(DISTINCT inzending_id) is the base; an option nobody chose still gets its row
-- with 0. One aggregate, no second pass for the base.
--
-- An option's `label` is its wording in the row's year (table optielabels_per_jaar), else the
-- general label of antwoordopties: the code stays the same over the years, the words are the
-- questionnaire's of that year. A scalar subquery per group, so the aggregates stay plain.
--
-- Speed: a filter on vraag_id or jaar is pushed by SQLite into the aggregate (it is a GROUP
-- BY column) and then answered from the index antwoorden(vraag_id, item_code, jaar). That
-- only works while every aggregate reads tables (or views that are plain joins) directly:
-- an aggregate over a UNION, a CTE used twice or the right side of a LEFT JOIN would be
-- computed whole. Keep that in mind when changing these views.

DROP VIEW IF EXISTS vraag_trend;
DROP VIEW IF EXISTS gemeente_vergelijking;
DROP VIEW IF EXISTS aandelen_per_provincie;
DROP VIEW IF EXISTS aandelen;
DROP VIEW IF EXISTS deelname_per_provincie;
DROP VIEW IF EXISTS deelname_per_gemeente;
DROP VIEW IF EXISTS gepubliceerd_naast_berekend;
DROP VIEW IF EXISTS geaccepteerde_antwoorden;

-- geaccepteerde_antwoorden: elk antwoord van een geaccepteerde inzending, met de gemeente
-- (CBS-code van dat jaar en opvolger op de huidige indeling), de provincie, de panelvlaggen van de
-- inzending (telt_in_<panel>: telt mee in de cijfers van dat panel) en
-- 'basis_item': de rij (item) waarop de basis van het antwoord rust, of '*' bij een
-- meerkeuzevraag, waar de basis de hele vraag is ('item_van' en 'item_tot' geven dezelfde rijen
-- als bereik van item_codes). Bouwsteen van de andere views.
CREATE VIEW geaccepteerde_antwoorden AS
SELECT a.inzending_id, a.jaar, i.gemeente_code, i.opvolger_code, i.provincie_code,
       a.vraag_id, a.item_code, a.optie_code, a.waarde,
       i.telt_in_vast_panel_2022_2024, i.telt_in_groep_2022_2023, i.synthetisch,
       CASE WHEN v.type = 'meervoudig' THEN '*' ELSE a.item_code END AS basis_item,
       -- the items whose options share this answer's base: its own row, or every item of a
       -- multiple-choice question (as a range, so that a join can use the key of antwoordopties)
       CASE WHEN v.type = 'meervoudig' THEN '' ELSE a.item_code END AS item_van,
       CASE WHEN v.type = 'meervoudig' THEN char(1114111) ELSE a.item_code END AS item_tot
FROM antwoorden a
JOIN inzendingen i ON i.inzending_id = a.inzending_id
JOIN vragen v ON v.vraag_id = a.vraag_id
WHERE i.status = 'geaccepteerd';

-- aandelen: per populatie (alle_respondenten; vast_panel_2022_2024 en groep_2022_2023: de
-- panelgemeenten in de jaren van het panel), jaar, vraag, rij (item_code) en antwoordoptie het
-- aantal gemeenten met dat antwoord, de basis (gemeenten die de vraag of rij beantwoordden; bij
-- een meerkeuzevraag: die minstens één optie aankruisten) en het percentage (1 decimaal).
-- Opties die dat jaar werden aangeboden maar door niemand gekozen, staan er met 0. Het label is
-- de tekst van het antwoord zoals de vragenlijst van dat jaar hem gaf (optielabels_per_jaar).
-- Alleen geaccepteerde inzendingen tellen mee.
CREATE VIEW aandelen AS
SELECT populatie, jaar, vraag_id, item_code, item_label, optie_code, label, aantal, basis,
       round(100.0 * aantal / basis, 1) AS percentage, synthetisch
FROM (
    SELECT p.populatie, t.jaar, t.vraag_id, t.item_code, t.item_label, t.optie_code, t.label, t.synthetisch,
           CASE p.populatie WHEN 'alle_respondenten' THEN t.aantal_alle
                            WHEN 'vast_panel_2022_2024' THEN t.aantal_vast_panel
                            ELSE t.aantal_groep END AS aantal,
           CASE p.populatie WHEN 'alle_respondenten' THEN t.basis_alle
                            WHEN 'vast_panel_2022_2024' THEN t.basis_vast_panel
                            ELSE t.basis_groep END AS basis
    FROM (
        -- all three populations in one pass; a panel's count and base only see its members
        SELECT g.jaar, o.vraag_id, o.item_code, o.item_label, o.optie_code,
               coalesce((SELECT l.label FROM optielabels_per_jaar l WHERE l.vraag_id = o.vraag_id
                         AND l.item_code = o.item_code AND l.optie_code = o.optie_code AND l.jaar = g.jaar),
                         o.label) AS label,
               sum(o.item_code = g.item_code AND o.optie_code = g.optie_code) AS aantal_alle,
               count(DISTINCT g.inzending_id) AS basis_alle,
               sum(o.item_code = g.item_code AND o.optie_code = g.optie_code AND g.telt_in_vast_panel_2022_2024 = 1)
                   AS aantal_vast_panel,
               count(DISTINCT CASE WHEN g.telt_in_vast_panel_2022_2024 = 1 THEN g.inzending_id END) AS basis_vast_panel,
               sum(o.item_code = g.item_code AND o.optie_code = g.optie_code AND g.telt_in_groep_2022_2023 = 1)
                   AS aantal_groep,
               count(DISTINCT CASE WHEN g.telt_in_groep_2022_2023 = 1 THEN g.inzending_id END) AS basis_groep,
               max(g.synthetisch) AS synthetisch
        FROM geaccepteerde_antwoorden g
        JOIN antwoordopties o ON o.vraag_id = g.vraag_id
            AND o.item_code BETWEEN g.item_van AND g.item_tot
            AND instr(',' || o.jaren || ',', ',' || g.jaar || ',') > 0
        GROUP BY g.jaar, o.vraag_id, o.item_code, o.optie_code
    ) t
    JOIN (SELECT 'alle_respondenten' AS populatie UNION ALL SELECT 'vast_panel_2022_2024'
          UNION ALL SELECT 'groep_2022_2023') p
)
WHERE basis > 0;

-- aandelen_per_provincie: als 'aandelen' voor alle respondenten, per provincie (de provincie
-- van de gemeente in dat jaar): aantal gemeenten per antwoordoptie, basis en percentage
-- (1 decimaal), ook 0 voor een aangeboden optie die niemand in de provincie koos; het label in
-- de formulering van dat jaar. Alleen geaccepteerde inzendingen tellen mee.
CREATE VIEW aandelen_per_provincie AS
SELECT g.jaar, g.provincie_code, pv.provincie, o.vraag_id, o.item_code, o.item_label, o.optie_code,
       coalesce((SELECT l.label FROM optielabels_per_jaar l WHERE l.vraag_id = o.vraag_id
                 AND l.item_code = o.item_code AND l.optie_code = o.optie_code AND l.jaar = g.jaar),
                 o.label) AS label,
       sum(o.item_code = g.item_code AND o.optie_code = g.optie_code) AS aantal,
       count(DISTINCT g.inzending_id) AS basis,
       round(100.0 * sum(o.item_code = g.item_code AND o.optie_code = g.optie_code)
             / count(DISTINCT g.inzending_id), 1) AS percentage,
       max(g.synthetisch) AS synthetisch
FROM geaccepteerde_antwoorden g
JOIN antwoordopties o ON o.vraag_id = g.vraag_id AND o.item_code BETWEEN g.item_van AND g.item_tot
    AND instr(',' || o.jaren || ',', ',' || g.jaar || ',') > 0
JOIN (SELECT provincie_code, min(provincie) AS provincie FROM gemeenten GROUP BY provincie_code) pv
    ON pv.provincie_code = g.provincie_code
GROUP BY g.jaar, g.provincie_code, o.vraag_id, o.item_code, o.optie_code;

-- gemeente_vergelijking: elk antwoord van een gemeente (één rij per geaccepteerde inzending en
-- beantwoorde vraag of rij; bij een meerkeuzevraag per aangekruiste optie) naast het aandeel van
-- hetzelfde antwoord onder de deelnemende gemeenten in haar provincie en in heel Nederland dat
-- jaar (aantal, basis, percentage met 1 decimaal). Het antwoord (label) staat er zoals de
-- vragenlijst van dat jaar het formuleerde. De gemeente staat onder haar CBS-code van dat jaar.
-- Alleen geaccepteerde inzendingen tellen mee.
CREATE VIEW gemeente_vergelijking AS
SELECT e.jaar, e.gemeente_code, gm.naam AS gemeente, e.provincie_code, gm.provincie, e.inzending_id,
       e.vraag_id, e.item_code, o.item_label, e.optie_code,
       coalesce((SELECT l.label FROM optielabels_per_jaar l WHERE l.vraag_id = e.vraag_id
                 AND l.item_code = e.item_code AND l.optie_code = e.optie_code AND l.jaar = e.jaar),
                 o.label) AS label,
       pt.aantal AS aantal_provincie, pb.basis AS basis_provincie,
       round(100.0 * pt.aantal / pb.basis, 1) AS percentage_provincie,
       nt.aantal AS aantal_nederland, nb.basis AS basis_nederland,
       round(100.0 * nt.aantal / nb.basis, 1) AS percentage_nederland, e.synthetisch
FROM geaccepteerde_antwoorden e
JOIN gemeenten gm ON gm.gemeente_code = e.gemeente_code
LEFT JOIN antwoordopties o ON o.vraag_id = e.vraag_id AND o.item_code = e.item_code AND o.optie_code = e.optie_code
-- CROSS JOIN keeps the municipality's answers as the outer loop (found by the index on
-- gemeente_code or vraag_id); each aggregate is looked up through an automatic index.
CROSS JOIN (
    SELECT jaar, provincie_code, vraag_id, item_code, optie_code, count(*) AS aantal
    FROM geaccepteerde_antwoorden GROUP BY jaar, provincie_code, vraag_id, item_code, optie_code
) pt ON pt.jaar = e.jaar AND pt.provincie_code = e.provincie_code AND pt.vraag_id = e.vraag_id
    AND pt.item_code = e.item_code AND pt.optie_code = e.optie_code
CROSS JOIN (
    SELECT jaar, provincie_code, vraag_id, basis_item, count(DISTINCT inzending_id) AS basis
    FROM geaccepteerde_antwoorden GROUP BY jaar, provincie_code, vraag_id, basis_item
) pb ON pb.jaar = e.jaar AND pb.provincie_code = e.provincie_code AND pb.vraag_id = e.vraag_id
    AND pb.basis_item = e.basis_item
CROSS JOIN (
    SELECT jaar, vraag_id, item_code, optie_code, count(*) AS aantal
    FROM geaccepteerde_antwoorden GROUP BY jaar, vraag_id, item_code, optie_code
) nt ON nt.jaar = e.jaar AND nt.vraag_id = e.vraag_id AND nt.item_code = e.item_code AND nt.optie_code = e.optie_code
CROSS JOIN (
    SELECT jaar, vraag_id, basis_item, count(DISTINCT inzending_id) AS basis
    FROM geaccepteerde_antwoorden GROUP BY jaar, vraag_id, basis_item
) nb ON nb.jaar = e.jaar AND nb.vraag_id = e.vraag_id AND nb.basis_item = e.basis_item;

-- vraag_trend: het verloop van een vraag over de jaren, per rij (item_code) en antwoordoptie:
-- aantal, basis en percentage (1 decimaal) onder alle respondenten en onder het vaste panel
-- 2022-2024 (leeg buiten 2022-2024), met de formulering van de vraag en het label van het
-- antwoord zoals in de vragenlijst van dat jaar, en of de vraag vergelijkbaar is met het jaar
-- ervoor (ja, nee of onzeker, met de reden). Verbind jaren alleen tot een trend waar
-- vergelijkbaar_met_vorig_jaar 'ja' is; de optie_code blijft over de jaren gelijk.
CREATE VIEW vraag_trend AS
SELECT t.vraag_id, t.item_code, t.item_label, t.optie_code, t.label, t.jaar,
       t.aantal_alle_respondenten, t.basis_alle_respondenten,
       round(100.0 * t.aantal_alle_respondenten / t.basis_alle_respondenten, 1) AS percentage_alle_respondenten,
       CASE WHEN t.basis_vast_panel > 0 THEN t.aantal_vast_panel END AS aantal_vast_panel,
       nullif(t.basis_vast_panel, 0) AS basis_vast_panel,
       round(100.0 * t.aantal_vast_panel / nullif(t.basis_vast_panel, 0), 1) AS percentage_vast_panel,
       vv.vergelijkbaar_met_vorig_jaar, vv.reden, vv.formulering, t.synthetisch
FROM (
    SELECT g.jaar, o.vraag_id, o.item_code, o.item_label, o.optie_code,
           coalesce((SELECT l.label FROM optielabels_per_jaar l WHERE l.vraag_id = o.vraag_id
                     AND l.item_code = o.item_code AND l.optie_code = o.optie_code AND l.jaar = g.jaar),
                     o.label) AS label,
           sum(o.item_code = g.item_code AND o.optie_code = g.optie_code) AS aantal_alle_respondenten,
           count(DISTINCT g.inzending_id) AS basis_alle_respondenten,
           sum(o.item_code = g.item_code AND o.optie_code = g.optie_code AND g.telt_in_vast_panel_2022_2024 = 1)
               AS aantal_vast_panel,
           count(DISTINCT CASE WHEN g.telt_in_vast_panel_2022_2024 = 1 THEN g.inzending_id END) AS basis_vast_panel,
           max(g.synthetisch) AS synthetisch
    FROM geaccepteerde_antwoorden g
    JOIN antwoordopties o ON o.vraag_id = g.vraag_id AND o.item_code BETWEEN g.item_van AND g.item_tot
        AND instr(',' || o.jaren || ',', ',' || g.jaar || ',') > 0
    GROUP BY g.jaar, o.vraag_id, o.item_code, o.optie_code
) t
LEFT JOIN vraagversies vv ON vv.vraag_id = t.vraag_id AND vv.jaar = t.jaar;

-- deelname_per_provincie: per jaar en provincie het aantal gemeenten dat er dat jaar bestond
-- (geldig op 1 januari volgens 'gemeenten'), het aantal deelnemende gemeenten (geaccepteerde
-- inzendingen, elke gemeente onder haar CBS-code van dat jaar: gemeenten die later
-- samengingen tellen dus apart) en het deelnamepercentage (1 decimaal).
CREATE VIEW deelname_per_provincie AS
WITH bestaand AS (
    SELECT j.jaar, g.provincie_code, min(g.provincie) AS provincie, count(*) AS aantal_gemeenten,
           max(j.synthetisch) AS synthetisch
    FROM jaargangen j
    JOIN gemeenten g ON g.geldig_van <= j.jaar || '-01-01'
        AND coalesce(nullif(g.geldig_tot, ''), '9999-12-31') > j.jaar || '-01-01'
    GROUP BY j.jaar, g.provincie_code
),
deelnemers AS (
    SELECT jaar, provincie_code, count(DISTINCT gemeente_code) AS deelnemers
    FROM inzendingen
    WHERE status = 'geaccepteerd'
    GROUP BY jaar, provincie_code
)
SELECT b.jaar, b.provincie_code, b.provincie, b.aantal_gemeenten, coalesce(d.deelnemers, 0) AS deelnemers,
       round(100.0 * coalesce(d.deelnemers, 0) / b.aantal_gemeenten, 1) AS percentage, b.synthetisch
FROM bestaand b
LEFT JOIN deelnemers d ON d.jaar = b.jaar AND d.provincie_code = b.provincie_code;

-- deelname_per_gemeente: één rij per gemeente op de huidige indeling, met per jaar 1 als de
-- gemeente (of een voorganger die erin opging) dat jaar deelnam en 0 als niet, het aantal jaren
-- dat zij deelnam, of zij elk jaar deelnam, en of zij tot het vaste panel 2022–2024 en de groep
-- 2022–2023 behoort (lid: deelgenomen in elk jaar van het panel). Eén kolom per jaar van de
-- tabel deelname (de build vult ze in).
CREATE VIEW deelname_per_gemeente AS
SELECT d.gemeente_code, g.naam, g.provincie,  -- CAST: INTEGER columns once stored, so ?elk_jaar=1 matches
       /* jaarkolommen */
       CAST(sum(d.deelgenomen) AS INTEGER) AS aantal_jaren,
       CAST(min(d.deelgenomen) = 1 AS INTEGER) AS elk_jaar,
       CAST(max(d.lid_vast_panel_2022_2024) AS INTEGER) AS lid_vast_panel_2022_2024,
       CAST(max(d.lid_groep_2022_2023) AS INTEGER) AS lid_groep_2022_2023
FROM deelname d
JOIN gemeenten g ON g.gemeente_code = d.gemeente_code
GROUP BY d.gemeente_code;

-- gepubliceerd_naast_berekend: elk cijfer uit de rapporten (gepubliceerde_cijfers) naast de
-- waarde die uit deze dataset volgt (reconciliatie): het gepubliceerde en het berekende cijfer,
-- de basis, het verschil en de status (gelijk, afrondingsverschil, afwijkend,
-- bron_tegenstrijdig, niet_berekenbaar) met de reden en het citaat uit het rapport.
CREATE VIEW gepubliceerd_naast_berekend AS
SELECT g.cijfer_id, g.document, g.vindplaats, g.jaar, g.populatie, g.vraag_id, g.item_code, g.optie_code,
       g.maat, g.waarde AS gepubliceerd, r.berekend, r.berekende_basis, r.verschil, r.status, r.reden, g.citaat
FROM gepubliceerde_cijfers g
JOIN reconciliatie r ON r.cijfer_id = g.cijfer_id;
