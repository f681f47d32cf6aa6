#!/usr/bin/env python3
"""Writes RESULTS.md and ratios.svg from one run of scripts/bench.

Usage: report.py <run dir (target/bench)> <output dir (bench)>

Reads the JSON each workspace benchmark leaves in the run dir (bench/report.rs), the peers'
JSON (peer-*.json), and criterion's estimates for the raw ES256 primitives. Every figure in
the summary is a ratio of two numbers measured in the same run, so machines can be compared.
Only the standard library is used.
"""

import datetime
import json
import math
import os
import platform
import subprocess
import sys
from pathlib import Path


def load(run: Path, name: str) -> dict:
    path = run / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else {}


def criterion_us(target: Path, group: str, bench: str) -> float | None:
    path = target / "criterion" / group / bench / "new" / "estimates.json"
    if not path.exists():
        return None
    return json.loads(path.read_text())["median"]["point_estimate"] / 1000.0


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1048576:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    return f"{os.cpu_count()} cores ({model}){memory}, {platform.system()} {platform.release()}; {rustc}"


def peer_case(peer: dict, name: str) -> float | None:
    for case in peer.get("cases", []):
        if case.get("case") == name:
            return case.get("median_us")
    return None


def main() -> None:
    run, out = Path(sys.argv[1]), Path(sys.argv[2])
    target = run.parent
    credentials = load(run, "credentials")
    door = load(run, "door")
    door_scale = load(run, "door-scale")
    door_memory = load(run, "door-memory")
    merkle = load(run, "merkle")
    node = load(run, "registry-node")
    issuer = load(run, "issue-http")
    ssi = load(run, "peer-ssi")
    djv = load(run, "peer-did-jwt-vc")
    f = {}
    for report in (credentials, door, door_scale, door_memory, merkle, node, issuer):
        f.update({f"{report.get('name')}.{k}": v for k, v in report.get("figures", {}).items()})

    raw = f.get("credentials.raw_verify_us")
    awslc_parsed = criterion_us(target, "es256", "verify_raw aws-lc ParsedPublicKey")
    awslc_unparsed = criterion_us(target, "es256", "verify_raw aws-lc UnparsedPublicKey")
    p256 = criterion_us(target, "es256", "verify_reference p256 crate")
    ssi_jwt = peer_case(ssi, "ssi vc-jwt (did:key)")
    ssi_di = peer_case(ssi, "ssi ecdsa-rdfc-2019")
    djv_jwt = peer_case(djv, "did-jwt-vc vc-jwt (did:key)")

    def ratio(a, b):
        return a / b if a is not None and b not in (None, 0) else None

    def fmt(value, suffix="x"):
        return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.2f}{suffix}"

    def verdict(value, limit, at_least):
        if value is None:
            return "not measured"
        ok = value >= limit if at_least else value <= limit
        if ok:
            return "**met**"
        miss = (limit / value) if at_least else (value / limit)
        return f"**missed** by {miss:.2f}x"

    targets = []

    def target_row(what, value, limit, at_least, how):
        bound = f">= {limit}x" if at_least else f"<= {limit}x"
        targets.append((what, bound, fmt(value), verdict(value, limit, at_least), how))

    cached = f.get("credentials.vc_jwt_cached_us")
    target_row("VC-JWT verify (cached DID), throughput vs raw aws-lc verify", ratio(raw, cached), 0.9, True,
               "raw verify time / VC-JWT time (credentials)")
    target_row("VC-JWT verify, throughput vs ssi (same VC 1.1 JWT, did:key, cold)",
               ratio(ssi_jwt, f.get("credentials.vc_jwt_v11_us")), 3.0, True, "ssi time / our time")
    target_row("ecdsa-rdfc-2019 verify, throughput vs ssi (same credential)",
               ratio(ssi_di, f.get("credentials.ecdsa_rdfc_2019_us")), 5.0, True, "ssi time / our time")
    target_row("SD-JWT VC + KB, full door decision offline, time vs one raw verify",
               ratio(f.get("door.door_decision_us"), f.get("door.raw_verify_us")), 2.5, False, "door")
    target_row("Issuer over HTTP (SD-JWT VC, SQLite), rate vs raw ES256 signing (2 threads)",
               ratio(f.get("issue-http.http_issue_best_per_s"), f.get("issue-http.raw_sign_2t_per_s")), 0.5, True,
               "best HTTP issuance rate / raw signing rate")
    target_row("5,000 bulk credentials, time vs 5,000 raw signatures",
               ratio(f.get("issue-http.bulk_5000_s"), f.get("issue-http.raw_5000_sign_s")), 2.0, False,
               "in-process issuance (signed + stored) / raw signing, both on 2 threads")
    sizes = sorted({int(k.rsplit("_", 1)[1]) for k in f if k.startswith("registry-node.proof_check_x_raw_")})
    largest = sizes[-1] if sizes else None
    if largest is not None:
        target_row(f"Registry proof verification at {largest:,} DIDs, time vs one raw verify",
                   f.get(f"registry-node.proof_check_x_raw_{largest}"), 2.0, False,
                   "tree head + inclusion proof check (registry node)")
        tree = f.get(f"merkle.tree_append_us_{largest}") or f.get("merkle.tree_append_us_1000000")
        rate = f.get(f"registry-node.append_per_s_{largest}")
        share = tree * rate / 1e6 if tree and rate else None
        targets.append((f"Registry appends at {largest:,} DIDs: share of append time spent on the tree",
                        "small", "n/a" if share is None else f"{share * 100:.1f} %",
                        "**met**" if share is not None and share < 0.1 else "see below",
                        f"tree append {fmt(tree, ' µs')} x {rate or 0:,.0f} appends/s"))
    rss = f.get("door-memory.door_peak_rss_mib")
    targets.append(("Door verifier peak RSS, 10M-entry status list + 10,000 DID documents", "< 64 MiB",
                    "n/a" if rss is None else f"{rss:.1f} MiB",
                    "not measured" if rss is None else ("**met**" if rss < 64 else f"**missed** by {rss / 64:.2f}x"),
                    "VmHWM of a fresh door process"))

    # Throughput against the raw primitive: the plot's data.
    bars = [
        ("raw ES256 verify, aws-lc-rs (pre-parsed key)", raw, "ours"),
        ("raw ES256 verify, aws-lc-rs (key parsed each time)", awslc_unparsed, "library"),
        ("raw ES256 verify, pure-Rust p256", p256, "library"),
        ("Dojang VC-JWT verify, cached DID", cached, "ours"),
        ("Dojang VC-JWT verify, did:key (issuer seen before)", f.get("credentials.vc_jwt_us"), "ours"),
        ("Dojang VC-JWT verify, did:key (issuer never seen)", f.get("credentials.vc_jwt_first_sight_us"), "ours"),
        ("Dojang VC 1.1 JWT verify, did:key (peers' input)", f.get("credentials.vc_jwt_v11_us"), "ours"),
        ("ssi 0.16 VC 1.1 JWT verify, did:key", ssi_jwt, "peer"),
        ("did-jwt-vc VC 1.1 JWT verify, did:key", djv_jwt, "peer"),
        ("Dojang SD-JWT VC + KB verify", f.get("credentials.sd_jwt_kb_us"), "ours"),
        ("Dojang door decision (offline)", ratio(f.get("door.door_decision_us"), ratio(f.get("door.raw_verify_us"), raw)),
         "ours"),
        ("Dojang ecdsa-rdfc-2019 verify", f.get("credentials.ecdsa_rdfc_2019_us"), "ours"),
        ("ssi 0.16 ecdsa-rdfc-2019 verify", ssi_di, "peer"),
    ]
    bars = [(label, raw / us, us, kind) for label, us, kind in bars if us and raw]

    # The run's time, not this script's: the report can be regenerated from a run later.
    stamp = max((p.stat().st_mtime for p in run.glob("*.json")), default=0.0)
    now = datetime.datetime.fromtimestamp(stamp, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmark results",
        "",
        f"One run of `scripts/bench` on {now}, on {machine()}.",
        "Every figure below is a ratio of two measurements from this run; absolute times are",
        "shown for context only (they change with the machine, ratios much less).",
        "Regenerate with `scripts/bench` (see `bench/README.md`).",
        "",
        "## Targets (issue 9)",
        "",
        "| target | bound | measured | verdict | how |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [f"| {a} | {b} | {c} | {d} | {e} |" for a, b, c, d, e in targets]
    lines += [
        "",
        "## Throughput against the raw primitive",
        "",
        "![Throughput relative to one raw ES256 verify](ratios.svg)",
        "",
        "| operation | median µs | per second (1 core) | throughput vs raw verify |",
        "| --- | --- | --- | --- |",
    ]
    lines += [f"| {label} | {us:.1f} | {1e6 / us:,.0f} | {rel:.3f}x |" for label, rel, us, _ in bars]
    lines += [
        "",
        f"Peers: {ssi.get('implementation', 'ssi: not run')} (built from crates.io by scripts/bench in "
        f"target/bench-peers, `bench/peers/ssi`); {djv.get('implementation', 'did-jwt-vc: not run')} "
        "(`interop/node/bench_did_jwt_vc.mjs`). Both verify the inputs Dojang's credentials bench verifies "
        "(`target/bench/inputs.json`), timed the same way (interleaved rounds, median).",
    ]
    for report in (credentials, door, door_scale, door_memory, merkle, node, issuer):
        if report:
            lines += ["", f"## {report['title']}", "", report["markdown"].rstrip()]
    notes = Path(__file__).with_name("notes.md")
    if notes.exists():
        lines += ["", notes.read_text().rstrip()]
    (out / "RESULTS.md").write_text("\n".join(lines) + "\n")
    (out / "ratios.svg").write_text(svg(bars))
    print(f"wrote {out / 'RESULTS.md'} and {out / 'ratios.svg'}")


def svg(bars) -> str:
    """A horizontal bar chart of throughput relative to raw verify, on a log scale."""
    colours = {"ours": "#1f6feb", "peer": "#d1242f", "library": "#8c959f"}
    left, width, row, top = 360, 420, 26, 40
    lo, hi = 0.001, 2.0
    scale = lambda v: (math.log10(max(v, lo)) - math.log10(lo)) / (math.log10(hi) - math.log10(lo)) * width
    height = top + row * len(bars) + 50
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 80}" height="{height}" '
        'font-family="sans-serif" font-size="12">',
        '<rect width="100%" height="100%" fill="white"/>',
        f'<text x="10" y="20" font-size="14" font-weight="bold">Throughput relative to one raw ES256 verify '
        "(aws-lc-rs), log scale; same run</text>",
    ]
    for tick in (0.001, 0.01, 0.1, 1.0):
        x = left + scale(tick)
        parts.append(f'<line x1="{x:.1f}" y1="{top - 5}" x2="{x:.1f}" y2="{height - 40}" stroke="#d0d7de"/>')
        parts.append(f'<text x="{x:.1f}" y="{height - 25}" text-anchor="middle">{tick:g}x</text>')
    for i, (label, rel, _, kind) in enumerate(bars):
        y = top + i * row
        parts.append(f'<text x="{left - 8}" y="{y + 15}" text-anchor="end">{escape(label)}</text>')
        parts.append(f'<rect x="{left}" y="{y + 3}" width="{max(scale(rel), 1):.1f}" height="{row - 8}" '
                     f'fill="{colours.get(kind, "#57606a")}"/>')
        parts.append(f'<text x="{left + scale(rel) + 4:.1f}" y="{y + 15}">{rel:.3f}x</text>')
    parts.append(f'<text x="10" y="{height - 8}" fill="#57606a">blue: Dojang, red: peers, grey: raw libraries</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


if __name__ == "__main__":
    main()
