"""Checks redress.calendar against pandas' CustomBusinessHour and
CustomBusinessDay (an independent implementation, used only here).
Reads the cases gen_cases.lua wrote; prints how many it compared."""
import json
import sys

import pandas as pd
from pandas.tseries.offsets import CustomBusinessDay, CustomBusinessHour

offsets = {}
compared = failed = at_close = 0
for line in open(sys.argv[1]):
    c = json.loads(line)
    key = (c["setup"], c["kind"])
    if key not in offsets:
        if c["kind"] == "hours":
            offsets[key] = CustomBusinessHour(start=c["start"], end=c["end"], weekmask=c["weekmask"],
                                              holidays=c["holidays"])
        else:
            offsets[key] = CustomBusinessDay(weekmask=c["weekmask"], holidays=c["holidays"])
    want = pd.Timestamp(c["t"]) + c["n"] * offsets[key]
    compared += 1
    got = want.strftime("%Y-%m-%d %H:%M:%S")
    if got != c["ours"] and got == c.get("ours_next_open"):
        at_close += 1  # ends exactly at closing: pandas writes the next opening time
        continue
    if got != c["ours"]:
        failed += 1
        if failed <= 20:
            print(f"DIFFERENT: setup {c['setup']} {c['t']} + {c['n']} business {c['kind']}: "
                  f"redress {c['ours']}, pandas {want}")
print(f"calendar vs pandas: compared {compared} cases, {failed} different "
      f"({at_close} end exactly at closing time, which pandas writes as the next opening)")
sys.exit(1 if failed or compared == 0 else 0)
