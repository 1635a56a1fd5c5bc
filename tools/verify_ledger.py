#!/usr/bin/env python3
"""Verify a MinisPod ledger export without MinisPod's code (docs/ledger-hash-spec.md).

Reads the NDJSON of GET /api/admin/audit/events (a file, or - for stdin), re-hashes every event,
checks every stream's chain (versions 1..n, prev_hash = previous hash, genesis = 64 zeros),
rebuilds every account balance from the wallet streams' transfer events, and, given the server's
report (--report: `npm run audit -- --out report.json`, or the `data` of
GET /api/admin/audit/ledger?accounts=true), checks that both agree on every balance.

Exit status: 0 verified (and agreeing), 1 a problem found, 2 could not run. Python 3.8+, standard
library only.
"""
import argparse
import decimal
import hashlib
import json
import re
import sys

GENESIS = "0" * 64
SURROGATE = re.compile("[\ud800-\udfff]")


def js_number(x):
    """A number as JavaScript's Number.prototype.toString writes it (ECMA-262 Number::toString)."""
    if isinstance(x, int) and abs(x) <= 2 ** 53:
        return str(x)
    x = float(x)
    if x != x or x in (float("inf"), float("-inf")):
        raise ValueError("non-finite number")
    if x == 0:
        return "0"
    sign, digits, exponent = decimal.Decimal(repr(x)).normalize().as_tuple()
    s = "".join(map(str, digits))
    k, n = len(s), exponent + len(s)
    if k <= n <= 21:
        out = s + "0" * (n - k)
    elif 0 < n <= 21:
        out = s[:n] + "." + s[n:]
    elif -6 < n <= 0:
        out = "0." + "0" * (-n) + s
    else:
        e = n - 1
        out = s[0] + ("." + s[1:] if k > 1 else "") + "e" + ("+" if e >= 0 else "-") + str(abs(e))
    return ("-" if sign else "") + out


def js_string(s):
    """A string as JSON.stringify writes it: only quote, backslash and controls escaped."""
    out = json.dumps(s, ensure_ascii=False)
    return SURROGATE.sub(lambda m: "\\u%04x" % ord(m.group()), out)


def canonical(value):
    """Canonical JSON: members sorted by key in UTF-16 code units, no whitespace."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return js_number(value)
    if isinstance(value, str):
        return js_string(value)
    if isinstance(value, list):
        return "[" + ",".join(canonical(v) for v in value) + "]"
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: k.encode("utf-16-be", "surrogatepass"))
        return "{" + ",".join(js_string(k) + ":" + canonical(value[k]) for k in keys) + "}"
    raise ValueError("cannot encode %r" % (value,))


HASHED = ("data", "eventId", "metadata", "prevHash", "recordedAt", "streamId", "type", "version")


def event_hash(event):
    hash_input = canonical({k: event[k] for k in HASHED})
    return hashlib.sha256(hash_input.encode("utf-8")).hexdigest()


GATEWAY, REVENUE, PROMOTIONS, ADJUSTMENTS = "gateway:midtrans", "revenue:subscriptions", "promotions", "adjustments"


def transfer(wallet, data):
    """(from, to, amount) of a wallet event: every wallet event is exactly one transfer."""
    tag, amount = data["_tag"], data["amount"]
    if tag == "TopUpCredited":
        return GATEWAY, wallet, amount
    if tag == "TopUpReversed":
        return wallet, GATEWAY, amount
    if tag == "WalletCharged":
        return wallet, REVENUE, amount
    if tag == "FreeGrantRecorded":
        # A free period or upgrade on record: a 0-rupiah charge, nothing moves.
        return wallet, REVENUE, amount
    if tag == "ChargeRefunded":
        return REVENUE, wallet, amount
    if tag == "CouponCreditGranted":
        return PROMOTIONS, wallet, amount
    if tag == "CreditAdjusted":
        return (ADJUSTMENTS, wallet, amount) if data["direction"] == "CREDIT" else (wallet, ADJUSTMENTS, amount)
    raise ValueError("unknown wallet event type %s" % tag)


def verify(lines):
    streams = {}  # stream id -> (version, hash) or None once broken
    balances = {}
    problems = []
    events = 0
    last_position = 0
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        event = json.loads(line)
        events += 1
        position = event["position"]
        if position <= last_position:
            problems.append("line %d: position %d does not follow %d" % (number, position, last_position))
        last_position = max(last_position, position)
        stream = event["streamId"]
        head = streams.get(stream, (0, GENESIS))
        if head is None:
            continue
        version, previous = head
        problem = None
        if event["version"] != version + 1:
            problem = "version %d follows %d" % (event["version"], version)
        elif event["prevHash"] != previous:
            problem = "prev_hash does not link to the previous event"
        elif event_hash(event) != event["hash"]:
            problem = "hash does not match the event's contents"
        if problem:
            problems.append("position %d stream %s version %d: %s" % (position, stream, event["version"], problem))
            streams[stream] = None
            continue
        streams[stream] = (event["version"], event["hash"])
        if stream.startswith("wallet-"):
            wallet = "wallet:" + stream[len("wallet-"):]
            try:
                source, target, amount = transfer(wallet, event["data"])
            except (KeyError, ValueError) as error:
                problems.append("position %d: %s" % (position, error))
                continue
            free_grant = event["data"]["_tag"] == "FreeGrantRecorded"
            if not isinstance(amount, int) or isinstance(amount, bool) or (amount != 0 if free_grant else amount <= 0):
                problems.append("position %d: amount %r is not %s" % (position, amount, "0 (a free grant)" if free_grant else "a positive integer"))
                continue
            balances[source] = balances.get(source, 0) - amount
            balances[target] = balances.get(target, 0) + amount
            if target != wallet and balances[wallet] < 0:
                problems.append("position %d: %s goes below zero" % (position, wallet))
    total = sum(balances.values())
    if total != 0:
        problems.append("accounts sum to %d, not 0" % total)
    return {"events": events, "position": last_position, "streams": len(streams), "balances": balances, "problems": problems}


def compare(result, report):
    """Differences between this replay and the server's report (`{report, accounts}` or the API's data)."""
    summary = report.get("report", report)
    accounts = report.get("accounts")
    if accounts is None:
        return ["the server's report has no account balances (use --out, or ?accounts=true)"]
    differences = []
    if summary.get("eventsChecked") != result["events"]:
        differences.append("server replayed %s events, the export has %d" % (summary.get("eventsChecked"), result["events"]))
    at = summary.get("consistentUpTo") or {}
    if at.get("position") is not None and at["position"] != result["position"]:
        differences.append("server is consistent up to position %s, the export ends at %d" % (at["position"], result["position"]))
    for account in sorted(set(accounts) | set(result["balances"])):
        ours, theirs = result["balances"].get(account, 0), accounts.get(account, 0)
        if ours != theirs:
            differences.append("%s: server %d, this verifier %d" % (account, theirs, ours))
    if not summary.get("ok", False):
        differences.append("the server's own verdict is %s" % summary.get("verdict", "not OK"))
    return differences


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("export", help="NDJSON export file, or - for stdin")
    parser.add_argument("--report", help="the server's audit report as JSON, to agree with")
    parser.add_argument("--accounts", action="store_true", help="print every account's balance")
    args = parser.parse_args()
    try:
        source = sys.stdin if args.export == "-" else open(args.export, encoding="utf-8")
        with source:
            result = verify(source)
        report = None
        if args.report:
            with open(args.report, encoding="utf-8") as handle:
                report = json.load(handle)
    except (OSError, ValueError, KeyError) as error:
        print("verify_ledger could not run: %s" % error, file=sys.stderr)
        return 2
    by_kind = {}
    for account, balance in result["balances"].items():
        kind = "wallet" if account.startswith("wallet:") else account
        count, total = by_kind.get(kind, (0, 0))
        by_kind[kind] = (count + 1, total + balance)
    print("events: %d, streams: %d, last position: %d" % (result["events"], result["streams"], result["position"]))
    for kind, (count, total) in sorted(by_kind.items()):
        print("  %-24s %8d account(s)   total %16d" % (kind, count, total))
    problems = list(result["problems"])
    if report is not None:
        problems += ["disagrees with the server: " + d for d in compare(result, report)]
    if args.accounts:
        for account, balance in sorted(result["balances"].items()):
            print("  %-48s %d" % (account, balance))
    if problems:
        print("VERIFY FAILED: %d problem(s)" % len(problems))
        for problem in problems[:20]:
            print("  - " + problem)
        return 1
    agreed = " and agree with the server's replay" if report is not None else ""
    print("VERIFY OK: every hash and chain verifies, accounts sum to 0%s" % agreed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
