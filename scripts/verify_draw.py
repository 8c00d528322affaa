#!/usr/bin/env python3
"""Independent check of a callaudit draw record, written only from docs/sampling.md.

Usage: verify_draw.py RECORD.json POOL.csv

POOL.csv must be in the canonical pool format (call_id, started_at as RFC 3339 UTC
`YYYY-MM-DDTHH:MM:SSZ`, channel, incident_type, handler, training; and area, grade, duration_s,
recording and resolution where the record's filters use them). It exists so that anybody can
check a draw without trusting callaudit's own code; it needs nothing but Python's standard library.
"""
import csv
import datetime
import hashlib
import json
import sys
import unicodedata
from zoneinfo import ZoneInfo

ALGORITHM = "callaudit-draw-v1"


def match_key(s):
    # Lower-case letters and digits only (Unicode alphanumerics, as Rust's char::is_alphanumeric).
    return "".join(c.lower() for c in s if c.isalnum() or unicodedata.category(c).startswith("N"))


RESOLUTIONS = ["deployed", "resolved-without-deployment", "appointment", "referred", "no-action"]


def resolution(s):
    # The canonical code, from the code or the short form RWD, compared by match key.
    k = match_key(s)
    if k == "rwd":
        return "resolved-without-deployment"
    return next((r for r in RESOLUTIONS if match_key(r) == k), "")


def spec_canonical(spec):
    lines = [ALGORITHM, "size=%d" % spec["size"]]
    lines += ["focus=" + f for f in sorted({match_key(f) for f in spec.get("focus", [])})]
    lines += ["quota=%s:%d" % (c, n) for c, n in sorted(spec.get("quotas", {}).items())]
    lines += ["from=" + (spec.get("from") or ""), "to=" + (spec.get("to") or "")]
    cap = spec.get("max_per_handler")
    lines += ["max_per_handler=" + ("" if cap is None else str(cap)), "timezone=" + spec["timezone"]]
    # The filters added later: a line only when set.
    lines += ["area=" + a for a in sorted({match_key(a) for a in spec.get("areas", [])})]
    lines += ["grade=" + g for g in sorted({match_key(g) for g in spec.get("grades", [])})]
    lines += ["resolution=" + r for r in sorted(set(spec.get("resolutions", [])))]
    if spec.get("min_duration_s") is not None:
        lines.append("min_duration_s=%d" % spec["min_duration_s"])
    if spec.get("recording_required"):
        lines.append("recording_required=yes")
    lines += ["exclude=" + e for e in sorted(set(spec.get("exclude", [])), key=lambda s: s.encode())]
    return "".join(l + "\n" for l in lines)


def eligible(pool, spec):
    focus = {match_key(f) for f in spec.get("focus", [])}
    exclude = set(spec.get("exclude", []))
    areas = {match_key(a) for a in spec.get("areas", [])}
    grades = {match_key(g) for g in spec.get("grades", [])}
    resolutions = set(spec.get("resolutions", []))
    min_duration = spec.get("min_duration_s")
    tz = ZoneInfo(spec["timezone"])
    out = []
    for c in pool:
        if c["training"] or c["call_id"] in exclude:
            continue
        if focus and match_key(c["incident_type"]) not in focus:
            continue
        if areas and match_key(c["area"]) not in areas or grades and match_key(c["grade"]) not in grades:
            continue
        if resolutions and c["resolution"] not in resolutions:
            continue
        if min_duration is not None and (c["duration_s"] is None or c["duration_s"] < min_duration):
            continue
        if spec.get("recording_required") and not c["recording"]:
            continue
        when = datetime.datetime.strptime(c["started_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
        day = when.astimezone(tz).date().isoformat()
        if spec.get("from") and day < spec["from"] or spec.get("to") and day > spec["to"]:
            continue
        out.append(c)
    return sorted(out, key=lambda c: c["call_id"].encode())


def draw(pool, spec, seed):
    calls = eligible(pool, spec)
    h = hashlib.sha256()
    for c in calls:
        line = "\t".join([c["call_id"], c["started_at"], c["channel"], c["incident_type"], c["handler"]]) + "\n"
        h.update(line.encode())
    pool_digest = h.hexdigest()
    spec_digest = hashlib.sha256(spec_canonical(spec).encode()).hexdigest()
    prefix = "".join(p + "\n" for p in [ALGORITHM, pool_digest, spec_digest, seed]).encode()
    order = sorted(calls, key=lambda c: (hashlib.sha256(prefix + c["call_id"].encode()).digest(), c["call_id"].encode()))
    quotas = spec.get("quotas", {})
    open_places = spec["size"] - min(sum(quotas.values()), spec["size"])
    cap = spec.get("max_per_handler")
    taken, by_channel, by_handler, taken_open = [], {}, {}, 0
    for c in order:
        if len(taken) == spec["size"]:
            break
        if cap is not None and c["handler"] and by_handler.get(c["handler"], 0) >= cap:
            continue
        if c["channel"] in quotas:
            if by_channel.get(c["channel"], 0) >= quotas[c["channel"]]:
                continue
            by_channel[c["channel"]] = by_channel.get(c["channel"], 0) + 1
        else:
            if taken_open >= open_places:
                continue
            taken_open += 1
        if c["handler"]:
            by_handler[c["handler"]] = by_handler.get(c["handler"], 0) + 1
        taken.append(c["call_id"])
    return pool_digest, spec_digest, taken


def main():
    record = json.load(open(sys.argv[1], encoding="utf-8"))
    with open(sys.argv[2], encoding="utf-8-sig", newline="") as f:
        pool = [
            {
                "call_id": r["call_id"].strip(),
                "started_at": r["started_at"].strip(),
                "channel": r["channel"].strip(),
                "incident_type": r["incident_type"].strip(),
                "handler": (r.get("handler") or "").strip(),
                "training": (r.get("training") or "").strip().lower() in ("true", "yes", "y", "1"),
                "area": (r.get("area") or "").strip(),
                "grade": (r.get("grade") or "").strip(),
                "duration_s": int(r["duration_s"]) if (r.get("duration_s") or "").strip() else None,
                "recording": (r.get("recording") or "").strip(),
                "resolution": resolution((r.get("resolution") or "").strip()),
            }
            for r in csv.DictReader(f)
        ]
    pool_digest, spec_digest, calls = draw(pool, record["spec"], record["seed"])
    problems = []
    if spec_digest != record["spec_digest"]:
        problems.append("spec digest %s, record says %s" % (spec_digest, record["spec_digest"]))
    if pool_digest != record["pool_digest"]:
        problems.append("pool digest %s, record says %s" % (pool_digest, record["pool_digest"]))
    if calls != record["calls"]:
        problems.append("calls %s, record says %s" % (calls, record["calls"]))
    if problems:
        print("does not reproduce: " + "; ".join(problems))
        sys.exit(1)
    print("reproduces: %d calls from %d eligible, pool %s" % (len(calls), len(eligible(pool, record["spec"])), pool_digest))


if __name__ == "__main__":
    main()
