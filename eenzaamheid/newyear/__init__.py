"""A new survey year, drafted from its delivery (`eenzaamheid nieuw-jaar`).

The flow, one module per step:

- `read`: the delivery of a year the codebook does not know yet, read without a contract; its
  format, encoding, delimiter, worksheet and date format are detected from the file itself.
- `compare`: its columns and values against the latest known year (that year's contract, its
  codebook versions and its own delivery): what continues, what was renamed, dropped, added or
  reworded, each with its evidence. Decisions only a person can take are marked as such.
- `draft`: the year file `schemas/jaren/<jaar>.concept.yaml` (the format the codebook loader
  merges, see `eenzaamheid.codebook`) with a `TODO` for every such decision.
- `report`: the steward's Dutch report of the same findings.
- `apply`: once the TODOs are filled, the draft becomes `schemas/jaren/<jaar>.yaml`, the
  contracts are written and the delivery is validated against its new contract, in one go.
"""
