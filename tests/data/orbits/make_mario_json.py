"""Write mario.json: the real CelesTrak record of mario.csv in CelesTrak's JSON form.

CelesTrak's JSON answer (FORMAT=JSON) carries the same keywords as its CSV answer, with the numbers
as JSON numbers and OBJECT_NAME, OBJECT_ID, EPOCH, CLASSIFICATION_TYPE as strings.
Run from the repository root: python tests/data/orbits/make_mario_json.py
"""

import csv
import json
from pathlib import Path

HERE = Path(__file__).parent
TEXT_KEYS = {"OBJECT_NAME", "OBJECT_ID", "EPOCH", "CLASSIFICATION_TYPE"}
INT_KEYS = {"EPHEMERIS_TYPE", "NORAD_CAT_ID", "ELEMENT_SET_NO", "REV_AT_EPOCH"}

with open(HERE / "mario.csv", newline="") as f:
    rows = list(csv.DictReader(f))
records = [
    {k: v if k in TEXT_KEYS else int(v) if k in INT_KEYS else float(v) for k, v in row.items()}
    for row in rows
]
(HERE / "mario.json").write_text(json.dumps(records, separators=(",", ":")) + "\n")
