"""Stage 1, intake: a municipality's delivery is received and read.

In: the files in raw/ (CSV, XLSX) and raw/manifest.csv. Out: one pandas frame per delivered file,
every delivered row counted, with the manifest's facts about it (year, synthetic or not).
"""
