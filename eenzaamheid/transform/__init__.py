"""Stage 3, transform: validated deliveries become the published tables' content.

In: the validated frames. Out: harmonized answers (one code per option across years, free text
de-identified), the fixed panel, counted shares, the wide table, headline figures, reconciled
against the published figures in checks/.
"""
