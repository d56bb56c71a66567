"""Rebuild zorka's bundled UT1-UTC table from an IERS ``finals2000A.all`` file.

    python tools/build_eop.py PATH/TO/finals2000A.all

The file ships in the ``skyfield-data`` package (IERS Rapid Service/Prediction Center, Bulletin A
values with their predictions). zorka keeps only the daily UT1-UTC column, which is what turning
TEME into Earth-fixed coordinates needs beyond GMST.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "zorka" / "data" / "eop" / "ut1-utc.csv.gz"


def main(path: str) -> None:
    rows = []
    for line in Path(path).read_text().splitlines():
        # columns per the IERS finals format: MJD 8-15, flag 58, UT1-UTC 59-68 (1-based)
        if len(line) < 68 or not line[58:68].strip():
            continue
        mjd = int(float(line[7:15]))
        rows.append(f"{mjd},{float(line[58:68]):.7f},{line[57]}")
    header = (
        f"# UT1-UTC (s) by MJD, from {Path(path).name}; flag I = IERS final/rapid, P = predicted\n"
    )
    with gzip.open(OUT, "wt", encoding="ascii") as fh:
        fh.write(header + "mjd,ut1_utc_s,flag\n" + "\n".join(rows) + "\n")
    print(f"wrote {len(rows)} days ({rows[0].split(',')[0]}..{rows[-1].split(',')[0]}) to {OUT}")


if __name__ == "__main__":
    main(sys.argv[1])
