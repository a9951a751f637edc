"""The synthetic demo deliveries, in the steps scripts/generate_demo_deliveries.py takes:
participants (who answers which year), answers (calibrated to the published figures and the
reports' claims) and rows, the planted dirt, and the files as the supplier writes them."""
from __future__ import annotations

from pathlib import Path

CALIBRATION = Path(__file__).resolve().parent.parent / "demo_calibration.yaml"
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)

# Municipalities the planted dirt needs (successor codes); they are put in the fixed panel.
NAME_DIRT = {  # year -> (code that year, name as delivered, rule explanation)
    2021: ("GM0200", "Apledoorn", "spelfout in de gemeentenaam (Apeldoorn)"),
    2022: ("GM0518", "Den Haag", "roepnaam in plaats van 's-Gravenhage"),
    2023: ("GM0796", "Den Bosch", "roepnaam in plaats van 's-Hertogenbosch"),
    2024: ("GM0164", "Hengelo", "naam zonder provinciesuffix (Hengelo (O.))"),
}
PREMERGER_DIRT = (2023, "GM1992", "Hellevoetsluis", "naam van vóór de fusie tot Voorne aan Zee (2023)")
FORCED_PANEL = ("GM0518", "GM0796", "GM0164", "GM1992")
PREDECESSOR_2022 = {"GM1992": "GM0530"}  # Voorne aan Zee took part in 2022 as Hellevoetsluis


def file_name(year: int, fmt: str) -> str:
    return f"benchmark_eenzaamheid_{year}_export.{fmt}"
