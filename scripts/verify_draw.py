#!/usr/bin/env python3
"""Independent check of a callaudit draw record, written only from docs/sampling.md.

Usage: verify_draw.py RECORD.json POOL.csv

POOL.csv must be in the canonical pool format (call_id, started_at as RFC 3339 UTC
`YYYY-MM-DDTHH:MM:SSZ`, channel, incident_type, handler, training; and area, grade, duration_s,
recording, resolution, satisfaction and caller where the record's filters or strata use them). It exists so that anybody can
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


SATISFACTION = ["satisfied", "neutral", "dissatisfied"]


def satisfaction(s):
    k = match_key(s)
    return next((x for x in SATISFACTION if match_key(x) == k), "")


def stratum_key(st):
    # What a stratum compares a call's value with: match key, satisfaction code, or nothing.
    if st["by"] in ("area", "grade", "type"):
        return match_key(st.get("value") or "")
    if st["by"] == "satisfaction":
        return satisfaction(st.get("value") or "")
    return ""


# Quotas that count calls without a value of their own.
NO_VALUE = ("repeat-callers", "log-prompts")


def stratum_line(st):
    if st["by"] in NO_VALUE:
        return "stratum=%s:%d" % (st["by"], st["calls"])
    return "stratum=%s:%s:%d" % (st["by"], stratum_key(st), st["calls"])


# The order in which the strata's dimensions add their values to a pool digest line.
DIMENSIONS = [("area", "area"), ("grade", "grade"), ("satisfaction", "satisfaction"), ("repeat-callers", "caller")]


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
    lines += sorted({stratum_line(st) for st in spec.get("strata", [])}, key=lambda s: s.encode())
    lines += ["exclude=" + e for e in sorted(set(spec.get("exclude", [])), key=lambda s: s.encode())]
    lines += ["log_prompted=" + c for c in sorted(set(spec.get("log_prompted", [])), key=lambda s: s.encode())]
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


def repeat_callers(calls):
    # Callers with some three consecutive calls (in time order) less than 28 days apart.
    times = {}
    for c in calls:
        if c["caller"]:
            times.setdefault(c["caller"], []).append(c["started_at"])
    out = set()
    for caller, ts in times.items():
        ts = sorted(datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ") for t in ts)
        if any(ts[i + 2] - ts[i] < datetime.timedelta(days=28) for i in range(len(ts) - 2)):
            out.add(caller)
    return out


def counts(st, key, c, repeat, prompted):
    if st["by"] in ("area", "grade"):
        return bool(c[st["by"]]) and match_key(c[st["by"]]) == key
    if st["by"] == "satisfaction":
        return bool(c["satisfaction"]) and c["satisfaction"] == key
    if st["by"] == "type":
        return match_key(c["incident_type"]) == key
    if st["by"] == "log-prompts":
        # The calls are listed in the specification itself, fixed at the commitment.
        return c["call_id"] in prompted
    return c["caller"] in repeat


def draw(pool, spec, seed):
    calls = eligible(pool, spec)
    strata = sorted(spec.get("strata", []), key=lambda st: stratum_line(st).encode())
    used = [field for by, field in DIMENSIONS if any(st["by"] == by for st in strata)]
    h = hashlib.sha256()
    for c in calls:
        fields = [c["call_id"], c["started_at"], c["channel"], c["incident_type"], c["handler"]]
        line = "\t".join(fields + [c[f] for f in used]) + "\n"
        h.update(line.encode())
    pool_digest = h.hexdigest()
    spec_digest = hashlib.sha256(spec_canonical(spec).encode()).hexdigest()
    prefix = "".join(p + "\n" for p in [ALGORITHM, pool_digest, spec_digest, seed]).encode()
    order = sorted(calls, key=lambda c: (hashlib.sha256(prefix + c["call_id"].encode()).digest(), c["call_id"].encode()))
    quotas = spec.get("quotas", {})
    reserved = sum(quotas.values()) + sum(st["calls"] for st in strata)
    open_places = spec["size"] - min(reserved, spec["size"])
    repeat = repeat_callers(calls) if any(st["by"] == "repeat-callers" for st in strata) else set()
    prompted = set(spec.get("log_prompted", []))
    keys = [stratum_key(st) for st in strata]
    by_stratum = [0] * len(strata)
    cap = spec.get("max_per_handler")
    taken, by_channel, by_handler, taken_open = [], {}, {}, 0
    for c in order:
        if len(taken) == spec["size"]:
            break
        if cap is not None and c["handler"] and by_handler.get(c["handler"], 0) >= cap:
            continue
        # Quotas counting this call: its channel's first, then the strata in canonical order.
        matching = [i for i, st in enumerate(strata) if counts(st, keys[i], c, repeat, prompted)]
        if c["channel"] not in quotas and not matching:
            if taken_open >= open_places:
                continue
            taken_open += 1
        elif c["channel"] in quotas and by_channel.get(c["channel"], 0) < quotas[c["channel"]]:
            by_channel[c["channel"]] = by_channel.get(c["channel"], 0) + 1
        else:
            room = [i for i in matching if by_stratum[i] < strata[i]["calls"]]
            if not room:
                continue
            by_stratum[room[0]] += 1
        if c["handler"]:
            by_handler[c["handler"]] = by_handler.get(c["handler"], 0) + 1
        taken.append(c["call_id"])
    return pool_digest, spec_digest, taken


def main():
    record = json.load(open(sys.argv[1], encoding="utf-8"))
    with open(sys.argv[2], encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in ("call_id", "started_at", "channel", "incident_type") if c not in (reader.fieldnames or [])]
        if missing:
            # A force's own export (other headers, local times) must first be written in the
            # canonical pool format; this check reads nothing else, so that it trusts no profile.
            print("cannot check: %s has no column %s; expected the canonical pool format of docs/formats.md "
                  "(found %s)" % (sys.argv[2], ", ".join(missing), ", ".join(reader.fieldnames or [])))
            sys.exit(2)
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
                "satisfaction": satisfaction((r.get("satisfaction") or "").strip()),
                "caller": (r.get("caller") or "").strip(),
            }
            for r in reader
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
