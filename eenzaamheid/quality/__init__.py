"""Data quality of the built database: Great Expectations suites on the SQLite file.

Modules: model (Controle, QualityResult), generated (from codebook and schemas), manual (the
steward's checks), families (set-based SQL), engine (running them), results, tables (the two
result tables), worker (the gate in a warm second process during a build), report (the
steward's HTML/JSON report; imported on its own).

Where the checks come from (`herkomst`):

- `codeboek`: generated from schemas/codebook.yaml. Every answer's option was offered for its
  question that year, every matrix row / multiple-choice item was in that year's questionnaire,
  answers only in years the question was asked, and the routing (skip logic) holds: no
  'kartrekker' answer without a coalition 'ja_*' answer.
- `schema`: generated from the clean Table Schemas (schemas/clean/*.yaml): the columns, required
  columns not null, enums, minimum/maximum, primary keys unique, foreign keys resolve.
- `handmatig`: checks/handmatige_controles.yml, written (and editable) by the data steward:
  respondents per year, panel sizes against the published figures, shares plausible, every
  published figure reproduced, the 'nothing lost' balance, year-over-year jumps.

Every check has a stable `controle_id`, a severity (`ernst`: fataal = do not publish, fout =
investigate and fix, waarschuwing = the steward confirms), a Dutch `betekenis` (what it means, what
to do) and one row in each result table. The steward's checks run as written, each one Great
Expectations expectation. The generated ones (hundreds: one per question and year, per column, ...)
run set-based: all of a table's codebook and schema checks as ONE UnexpectedRowsExpectation whose
failing rows carry the controle_id they violate (families.py); GE's own work per expectation,
not the SQL, was what made the gate slow (bench/RESULTS.md).
"""
from .engine import expectations, is_synthetic
from .generated import codebook_expectations, schema_expectations
from .manual import manual_expectations, published_value
from .model import (ERNSTEN, FATAAL, FOUT, HANDMATIG_PATH, HERKOMSTEN, PUBLISHED_PATH, UNEXPECTED_ROWS, WAARSCHUWING,
                    Controle, QualityConfigError, QualityResult)
from .results import summary_text
from .tables import CONTROLE_COLUMNS, RESULTAAT_COLUMNS, TABLE_SCHEMAS, write_tables
from .worker import Pending, discard, prewarm, run, start, start_changes  # in the warm process when the build started one

__all__ = ["CONTROLE_COLUMNS", "ERNSTEN", "FATAAL", "FOUT", "HANDMATIG_PATH", "HERKOMSTEN", "PUBLISHED_PATH",
           "RESULTAAT_COLUMNS", "TABLE_SCHEMAS", "UNEXPECTED_ROWS", "WAARSCHUWING", "Controle", "QualityConfigError",
           "Pending", "QualityResult", "codebook_expectations", "discard", "expectations", "is_synthetic", "manual_expectations",
           "prewarm", "published_value", "run", "schema_expectations", "start", "start_changes", "summary_text", "write_tables"]
