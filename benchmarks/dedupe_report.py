"""The Markdown section and the chart of ``dedupe_bench.py``'s report."""

from __future__ import annotations

from pathlib import Path

X = "\u00d7"  # the multiplication sign, for ratios

LABELS = {
    "ours-tokenized": "axolotl_fast.dedupe",
    "polars-tokenized": "polars struct hash + is_first_distinct",
    "axolotl-tokenized": "axolotl `_deduplicate_dataset` (sha256(str(row)))",
    "fast-axolotl-tokenized": "fast-axolotl `deduplicate_indices` (on str(row))",
    "ours-text": "axolotl_fast.dedupe(read(path))",
    "polars-text": "polars scan_parquet + struct hash",
    "duckdb-text": "duckdb SELECT DISTINCT *",
}


def _us(r: dict, key: str) -> float:
    return r[key] / r["rows"] * 1e6


def _group(r: dict) -> str:
    if r["case"].endswith("text"):
        return f"text {r['rows']:,} rows"
    return f"tokenized {r['rows']:,} rows"


def _reference(results: list[dict], r: dict) -> dict | None:
    """Ours (2 threads, xxh3) on the same workload and row count."""
    ours = "ours-text" if r["case"].endswith("text") else "ours-tokenized"
    for other in results:
        if (
            other["case"] == ours
            and other["rows"] == r["rows"]
            and "error" not in other
            and "sha256" not in other.get("options", "")
            and "--threads=1" not in other.get("options", "")
        ):
            return other
    return None


def _row(results: list[dict], r: dict) -> str:
    label = LABELS[r["case"]]
    options = r.get("options", "").replace(f"--data={r.get('data', '')}", "")
    options = " ".join(o for o in options.split() if not o.startswith("--data="))
    if options:
        label += f" `{options}`"
    if "error" in r:
        return f"| {_group(r)} | {label} | {r['error']} | | | | | |"
    ref = _reference(results, r)
    if ref is r:
        ratio = f"1.00{X}"
    elif ref:
        ratio = f"{r['cpu_s'] / ref['cpu_s'] * ref['rows'] / r['rows']:.2f}{X}"
    else:
        ratio = "n/a"
    set_bytes = r.get("set_bytes_per_row")
    extra_per_row = r["extra_rss_mb"] * 2**20 / r["rows"]
    per_row = f"{set_bytes:.1f} (set)" if set_bytes else f"{extra_per_row:.0f}"
    return (
        f"| {_group(r)} | {label} | {r['wall_s']:.2f} | {r['cpu_s']:.2f} | "
        f"{_us(r, 'cpu_s'):.2f} | {ratio} | {r['extra_rss_mb']:.0f} | {per_row} |"
    )


def _targets(results: list[dict]) -> list[str]:
    def find(case: str, options: str = "--threads=2") -> dict | None:
        rows = [
            r
            for r in results
            if r["case"] == case
            and "error" not in r
            and r.get("options", "").startswith(options)
        ]
        return max(rows, key=lambda r: r["rows"], default=None)

    lines = ["| target | measured | status |", "|---|---|---|"]
    ours = find("ours-tokenized")
    axolotl = find("axolotl-tokenized", "")
    if ours:
        wall = _us(ours, "wall_s")
        lines.append(
            f"| ≤ 1 µs per tokenized row, 2 cores (wall) | {wall:.2f} µs | "
            f"{'MET' if wall <= 1 else 'MISSED'} |"
        )
        size = ours["set_bytes_per_row"]
        status = "MET" if size <= 32 else "MISSED"
        lines.append(f"| ≤ 32 B per unique row | {size:.1f} B | {status} |")
    if ours and axolotl:
        speedup = _us(axolotl, "wall_s") / _us(ours, "wall_s")
        lines.append(
            f"| ≥ 300{X} axolotl per row (wall) | {speedup:,.0f}{X} | "
            f"{'MET' if speedup >= 300 else 'MISSED'} |"
        )
    for rows in sorted({r["rows"] for r in results if r["case"] == "ours-text"}):
        ours_text = next(
            (
                r
                for r in results
                if r["case"] == "ours-text" and r["rows"] == rows and "error" not in r
            ),
            None,
        )
        polars = next(
            (
                r
                for r in results
                if r["case"] == "polars-text" and r["rows"] == rows and "error" not in r
            ),
            None,
        )
        if ours_text and polars:
            wall = polars["wall_s"] / ours_text["wall_s"]
            cpu = polars["cpu_s"] / ours_text["cpu_s"]
            lines.append(
                f"| text with read ≥ 2{X} polars lazy, {rows:,} rows | {wall:.2f}{X} wall, "
                f"{cpu:.2f}{X} CPU | {'MET' if wall >= 2 else 'MISSED'} |"
            )
    return lines


def render(report: dict, png: Path) -> str:
    results = report["results"]
    machine = report["machine"]
    lines = [
        f"Run {report['date']} on {machine['cpu']} ({machine['cpus']} CPUs, "
        f"{machine['mem_gb']:.0f} GB), `{report['command']}`; our build: "
        f"{report['ours'].get('profile', '?')}.",
        "",
        "CPU µs/row and the ratio are CPU-seconds per row; ratio = theirs / ours on the same "
        "rows (ours: 2 threads, xxh3_128). Extra RSS: peak RSS above the RSS before the "
        "work. Bytes/row: our seen set per kept row, else extra RSS per row. polars' hash "
        "is 64-bit (collisions possible); duckdb's DISTINCT compares values exactly but "
        "gives no row indices. axolotl and fast-axolotl run on the smaller subset.",
        "",
        "| workload | case | wall s | CPU s | CPU µs/row | ratio | extra RSS MB | bytes/row |",
        "|---|---|---|---|---|---|---|---|",
        *(_row(results, r) for r in results),
        "",
        *_targets(results),
        "",
        f"![dedupe benchmark]({png.name})",
    ]
    chart(results, png)
    return "\n".join(lines)


def chart(results: list[dict], png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ok = [r for r in results if "error" not in r]
    names = [
        f"{LABELS[r['case']].split(' (')[0]} {r.get('options', '')}\n[{_group(r)}]"
        for r in ok
    ]
    values = [_us(r, "cpu_s") for r in ok]
    fig, ax = plt.subplots(figsize=(10, 0.45 * len(ok) + 1.5))
    colors = ["tab:green" if r["case"].startswith("ours") else "tab:gray" for r in ok]
    ax.barh(range(len(ok)), values, color=colors)
    ax.set_yticks(range(len(ok)), names, fontsize=7)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("CPU µs per row (log scale, lower is better)")
    ax.set_title("Exact dedupe: CPU per row")
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    plt.close(fig)
