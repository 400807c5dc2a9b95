#!/usr/bin/env python3
"""ratios.py - the hues vs peers table from RESULT lines.

    python3 bench/ratios.py results.1.txt [results.2.txt ...]

Each file holds the RESULT lines of one repeat of bench/run.sh (hues-bench,
grpc_load and nng_load lines, all measured in that repeat). For each
concurrency the table gives echo qps and p50/p99 latency of hues, gRPC and
raw NNG, and their ratios. Ratios are computed within a repeat, where the
three ran minutes apart on the same machine, and then the median over the
repeats is shown; absolute figures are medians too.
"""
import statistics
import sys

TOOLS = ("hues", "grpc", "nng")


def parse(path):
    """{(tool, conc): {field: number}} for the echo lines of one file."""
    out = {}
    failed = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            words = line.split()
            if not words:
                continue
            if words[0] == "FAILED":
                failed.append(" ".join(words[1:]))
                continue
            if words[0] != "RESULT":
                continue
            kv = dict(w.split("=", 1) for w in words[1:] if "=" in w)
            if kv.get("method") != "echo" or kv.get("tool") not in TOOLS:
                continue
            try:
                out[(kv["tool"], int(kv["conc"]))] = {
                    k: float(kv[k])
                    for k in ("qps", "p50_us", "p90_us", "p99_us", "errors")
                }
            except (KeyError, ValueError):
                continue
    return out, failed


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def ratio(a, b):
    return a / b if a is not None and b else None


def fmt_num(v, digits=0):
    if v is None:
        return "–"
    return f"{v:,.{digits}f}".replace(",", " ")


def fmt_ratio(v):
    return "–" if v is None else f"{v:.2f}×"


def spread(values):
    values = [v for v in values if v is not None]
    if len(values) < 2:
        return ""
    return f" ({fmt_num(min(values))}–{fmt_num(max(values))})"


def main(paths):
    runs = []
    failed = []
    for p in paths:
        r, f = parse(p)
        runs.append(r)
        failed.extend(f)
    concs = sorted({c for r in runs for (_, c) in r})

    def field(tool, conc, name):
        return [r.get((tool, conc), {}).get(name) for r in runs]

    def per_run_ratio(conc, num, den, name):
        return med(
            ratio(r.get((num, conc), {}).get(name), r.get((den, conc), {}).get(name))
            for r in runs
        )

    n = len(runs)
    print(f"## hues vs peers: echo, 64-B payload ({n} repeat{'s' if n != 1 else ''}"
          f"{', medians' if n > 1 else ''})")
    print()
    print("| C | hues qps | gRPC qps | NNG qps | hues ÷ gRPC | hues ÷ NNG "
          "| hues p50 / p99 µs | gRPC p50 / p99 µs | NNG p50 / p99 µs "
          "| hues p50 ÷ NNG p50 | errors hues / gRPC / NNG |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for c in concs:
        cells = [str(c)]
        for t in TOOLS:
            q = field(t, c, "qps")
            cells.append(fmt_num(med(q)) + spread(q))
        cells.append(fmt_ratio(per_run_ratio(c, "hues", "grpc", "qps")))
        cells.append(fmt_ratio(per_run_ratio(c, "hues", "nng", "qps")))
        for t in TOOLS:
            cells.append(f"{fmt_num(med(field(t, c, 'p50_us')))} / "
                         f"{fmt_num(med(field(t, c, 'p99_us')))}")
        cells.append(fmt_ratio(per_run_ratio(c, "hues", "nng", "p50_us")))
        errs = []
        for t in TOOLS:
            e = [v for v in field(t, c, "errors") if v is not None]
            errs.append(fmt_num(sum(e)) if e else "–")
        cells.append(" / ".join(errs))
        print("| " + " | ".join(cells) + " |")
    print()

    # The project's targets, as figures: nothing here passes or fails.
    targets = [
        (64, "hues ÷ gRPC qps", per_run_ratio(64, "hues", "grpc", "qps"), ">=", 2.0),
        (64, "hues ÷ NNG qps", per_run_ratio(64, "hues", "nng", "qps"), ">=", 0.8),
        (1, "hues p50 ÷ NNG p50", per_run_ratio(1, "hues", "nng", "p50_us"), "<=", 1.3),
    ]
    print("Targets (informative; one run on a shared machine is noisy):")
    print()
    for conc, what, got, op, want in targets:
        if got is None:
            print(f"- C={conc}: {what}: not measured")
            continue
        met = got >= want if op == ">=" else got <= want
        print(f"- C={conc}: {what} = {got:.2f} (target {op.replace('>=', '≥').replace('<=', '≤')} "
              f"{want}): {'met' if met else 'not met'}")
    if failed:
        print()
        print("Failed loads: " + "; ".join(failed))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: ratios.py results.1.txt [results.2.txt ...]")
    main(sys.argv[1:])
