"""Stage 2, validation: is a delivery what the contract (eenzaamheid/contract.py) promises?

In: the frames read by intake/. Out: a ValidationResult (problems found: structure, values,
cross-field rules) and the fate of every row (kept, repaired or quarantined), and the steward's
report of it (report.py).
"""
