"""The ``near-dedupe`` section of benchmarks.md and its chart, from its JSON.

Written by ``near_dedupe_bench.py``; rendered with the benchmark venv's matplotlib::

    python benchmarks/near_dedupe_report.py docs/benchmarks-near-dedupe.json
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import bench_common
import near_dedupe_e2e

TARGET = (
    "Issue 18: recall and precision per similarity bucket against exact Jaccard, next to "
    "datasketch and datatrove at the same n-gram / permutation settings, ours at least as "
    "good; at least 10x datasketch and 3x datatrove's MinHash stages per row on 2 cores."
)
BUCKET_NAMES = {
    "exact": "exact copy",
    "1.0": "1.0 (case, punctuation)",
    "<0.3": "below 0.3",
}
CURVE_POINTS = (0.5, 0.6, 0.7, 0.8, 0.9)


def s_curve(similarity: float, bands: int = 14, rows_per_band: int = 8) -> float:
    return 1.0 - (1.0 - similarity**rows_per_band) ** bands


def bucket_name(name: str) -> str:
    return BUCKET_NAMES.get(name) or f"{name}-{float(name) + 0.1:.1f}"


def done(report: dict) -> list[dict]:
    return [case for case in report["cases"] if "quality" in case]


def quality_cases(report: dict) -> tuple[list[dict], list[str]]:
    """The cases whose quality differs from an earlier case of the same tool, and a note
    for each one left out (same rows removed, so the same columns)."""
    shown, notes = [], []
    for case in done(report):
        same = next(
            (
                c
                for c in shown
                if c["case"] == case["case"] and c["quality"] == case["quality"]
            ),
            None,
        )
        if same is None:
            shown.append(case)
        else:
            notes.append(f"{case['name']}: the same as {same['name']}")
    return shown, notes


def wall(case: dict, with_read: bool = False) -> float:
    return sum(
        stage["wall_s"]
        for name, stage in case["stages"].items()
        if with_read or name != "read"
    )


def cpu(case: dict) -> float:
    return sum(s["cpu_s"] for name, s in case["stages"].items() if name != "read")


def quality_table(report: dict) -> list[str]:
    (cases, notes), threshold = quality_cases(report), report["threshold"]
    lines = [
        "| exact Jaccard of the pair | pairs | S-curve | "
        + " | ".join(case["name"] for case in cases)
        + " |",
        "|---|---|---|" + "---|" * len(cases),
    ]
    for name, bucket in report["data"]["buckets"].items():
        rates = [case["quality"]["buckets"][name]["rate"] for case in cases]
        lines.append(
            f"| {bucket_name(name)} | {sum(bucket['kinds'].values()):,} "
            f"| {bucket['s_curve']:.0%} | "
            + " | ".join(f"{r:.1%}" for r in rates)
            + " |"
        )
    rows = (
        (f"**recall** (pairs with J >= {threshold})", "recall", "{:.1%}"),
        (f"pairs below {threshold} merged", "below_threshold_merged", "{:.1%}"),
        ("rows removed", "removed", "{:,}"),
        ("**precision** of the rows removed", "precision", "{:.1%}"),
        ("clean rows removed", "clean_rows_removed", "{:,}"),
    )
    for label, key, form in rows:
        values = [form.format(case["quality"][key]) for case in cases]
        lines.append(f"| {label} | | | " + " | ".join(values) + " |")
    if notes:
        lines += ["", "Not shown, identical results: " + "; ".join(notes) + "."]
    return lines


def speed_table(report: dict) -> list[str]:
    rows, megabytes = report["data"]["rows"], report["data"]["text_bytes"] / 1e6
    ours = next(c for c in done(report) if c["name"] == "ours, 2 threads")
    lines = [
        "| tool | stages: wall s | wall s | CPU-s | rows/s | MB/s | ours (2 threads) is |",
        "|---|---|---|---|---|---|---|",
    ]
    for case in done(report):
        seconds = wall(case)
        stages = " / ".join(
            f"{name} {stage['wall_s']:.2f}" for name, stage in case["stages"].items()
        )
        lines.append(
            f"| {case['name']} | {stages} | {seconds:.2f} | {cpu(case):.2f} "
            f"| {rows / seconds:,.0f} | {megabytes / seconds:.1f} "
            f"| {seconds / wall(ours):.1f}x faster |"
        )
    return lines


def against(target: float, ratio: float) -> str:
    return f"target {target:g}x: {'met' if ratio >= target else '**not met**'}"


def ratios(report: dict) -> list[str]:
    by_name = {case["name"]: case for case in done(report)}
    ours, single = by_name.get("ours, 2 threads"), by_name.get("ours, 1 thread")
    sketch = by_name.get("datasketch")
    lines = []
    if ours and single and sketch:
        ratio = wall(sketch) / wall(ours)
        lines.append(
            f"- Against datasketch (single-threaded): ours is {ratio:.1f}x faster on 2 "
            f"threads ({against(10, ratio)}), {wall(sketch) / wall(single):.1f}x on 1 "
            "thread."
        )
    for name in ("datatrove (str.split)", "datatrove (spaCy en)"):
        if ours and name in by_name:
            ratio = wall(by_name[name]) / wall(ours, True)
            lines.append(
                f"- Against {name}, all four stages on 2 workers: ours is "
                f"{wall(by_name[name]) / wall(ours):.1f}x faster, {ratio:.1f}x with the "
                "Parquet read counted, as datatrove's first and last stages read their "
                f"JSON Lines ({against(3, ratio)})."
            )
    if ours and "read" in ours["stages"]:
        read = ours["stages"]["read"]["wall_s"]
        lines.append(
            f"- End to end: reading the same rows (`axolotl_fast.read` of the "
            f"snappy Parquet file) took {read:.2f} s; near-dedupe on 2 threads {wall(ours):.2f} s, "
            f"{wall(ours) / read:.1f}x the read."
        )
    for case in done(report):
        if not case["quality"]["one_kept_per_cluster"]:
            lines.append(f"- {case['name']}: **its removals and clusters disagree**.")
    for case in report["cases"]:
        if "error" in case:
            lines.append(f"- {case['name']}: **failed** ({case['error']}).")
    return lines


def render(report: dict, png: Path, md: Path) -> str:
    data, machine, params = report["data"], report["machine"], report["params"]
    curve = ", ".join(f"s = {s}: {s_curve(s):.1%}" for s in CURVE_POINTS)
    lines = [
        "## Near-duplicate removal (MinHash + LSH)",
        "",
        f"{data['rows']:,} rows ({data['text_bytes'] / 1e6:.0f} MB of text, "
        f"{data['text_bytes'] / data['rows']:,.0f} bytes a row): clean rows of "
        f"Zipf-distributed words, {data['planted_pairs']:,} of them copied once, later "
        "in the data: exact copies, copies changed in case and punctuation only, and "
        "near-copies edited (word substitutions, moved spans, inserted or deleted words "
        "and trailing sentences) until the exact Jaccard similarity of the two rows' "
        "shingle sets fell into a bucket. Shingles everywhere: word 5-grams of the text "
        "lowercased, anything not alphanumeric separating words. Same parameters for all: "
        f"{params['num_perm']} permutations, {params['bands']} bands of "
        f"{params['rows_per_band']}, threshold {report['threshold']}: ours confirms each "
        "candidate pair by its signature estimate, datasketch by `MinHash.jaccard` (its "
        "advised re-check after `MinHashLSH.query`, query-then-insert in row order), "
        "datatrove has no threshold (any shared band). datatrove 0.10.1 runs its four "
        "stages (`MinhashDedupSignature`, `Buckets`, `Cluster`, `Filter`) with "
        "`LocalPipelineExecutor` on 2 workers from two JSON Lines halves, its word "
        "tokenizer being its English default (spaCy's blank `en` pipeline: rules only, "
        "nothing downloaded) or `str.split` on its normalized text (the least it can "
        f"spend). Machine: {machine['cpu']}, {machine['cpus']} CPUs. Took "
        f"{report['seconds']:.0f} s. Reproduce: `axolotl-fast bench --only near-dedupe`.",
        "",
        TARGET,
        "",
        f"![near-dedupe]({os.path.relpath(png, md.parent)})",
        "",
        "**Quality**: the share of planted pairs each tool merged (put in one cluster, "
        "one row kept), per exact-Jaccard bucket. At or above the threshold this is the "
        "recall; below it, where the threshold says to keep both rows, it is the rate of "
        "false merges. S-curve: the mean over the bucket's pairs of `1-(1-J^8)^14`, the "
        "share a plain LSH of these bands is expected to merge. A removed row counts as a "
        "true positive when its exact Jaccard with some other row of its cluster is at "
        "least the threshold; precision is their share of the rows removed.",
        "",
        *quality_table(report),
        "",
        "**Speed**: each case in a fresh process, the rows already in memory (ours, "
        "datasketch) or in JSON Lines files that datatrove reads in its first and last "
        "stages; wall and CPU seconds of the dedupe alone, ours' read listed as a stage "
        "but not counted. datasketch's signatures stage includes making the shingles in "
        "Python (the same normalization and 5-grams as ours); datatrove's stages include "
        "starting their worker processes.",
        "",
        *speed_table(report),
        "",
        *ratios(report),
        "",
        *([*near_dedupe_e2e.table(report["e2e"]), ""] if report.get("e2e") else []),
        "**The threshold trade-off.** A pair of Jaccard similarity s shares at least one "
        f"of {params['bands']} bands of {params['rows_per_band']} values with probability "
        f"`1-(1-s^{params['rows_per_band']})^{params['bands']}` (the S-curve, drawn in "
        f"the chart): {curve}. A plain LSH merges pairs along that curve, so it also "
        "merges many pairs below 0.7 and misses some above it. Ours then keeps a candidate "
        "pair only if its signature estimate reaches the threshold: fewer false merges "
        "below 0.7, at the price of some recall just above it, where the estimate (standard "
        "error about 0.04 with 112 values) falls below 0.7 for part of the pairs. A lower "
        "threshold, more bands or fewer values per band move the curve left (more "
        "recall, more merges of merely similar rows); a higher threshold or more values "
        "per band move it right.",
    ]
    return "\n".join(lines) + "\n"


def chart(report: dict, png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    cases = done(report)
    shown, _ = quality_cases(report)
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))
    xs = [i / 100 for i in range(20, 101)]
    left.plot(xs, [s_curve(x) for x in xs], color="grey", lw=2, label="S-curve")
    numeric = [n for n in report["data"]["buckets"] if n[0].isdigit() and n != "1.0"]
    for i, case in enumerate(shown):
        rates = [case["quality"]["buckets"][n]["rate"] for n in numeric]
        centers = [float(n) + 0.05 for n in numeric]
        left.plot(centers, rates, marker="os^vDx"[i % 6], label=case["name"])
    left.axvline(report["threshold"], color="black", ls=":", lw=1)
    left.set_xlabel("exact Jaccard similarity of the planted pair")
    left.set_ylabel("share of pairs merged")
    left.set_title("Merged per similarity bucket")
    left.legend(fontsize=7)
    left.grid(alpha=0.3)
    rows = report["data"]["rows"]
    speeds = [rows / wall(case) for case in cases]
    bars = right.barh([case["name"] for case in cases], speeds, color="tab:blue")
    right.bar_label(bars, labels=[f"{v:,.0f}" for v in speeds], fontsize=7, padding=2)
    right.set_xscale("log")
    right.set_xlim(min(speeds) / 2, max(speeds) * 4)
    right.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    right.invert_yaxis()
    right.set_xlabel("rows per second (log, higher is better)")
    right.set_title(f"Speed, {report['cpus']} CPUs")
    right.tick_params(axis="y", labelsize=8)
    right.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    plt.close(fig)


def main(raw: Path) -> None:
    report = json.loads(raw.read_text())
    png = raw.with_name("benchmarks-near-dedupe.png")
    md = raw.with_name("benchmarks.md")
    chart(report, png)
    bench_common.write_section(md, "near-dedupe", render(report, png, md))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
