"""The ``pretrain`` section of benchmarks.md and its chart, from ``benchmarks-pretrain.json``.

Written by ``pretrain_bench.py`` (axolotl venv), rendered here with the benchmark venv's
matplotlib::

    python benchmarks/pretrain_report.py docs/benchmarks-pretrain.json
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import bench_common

OURS = "ours, 2 threads"


def _buffer_rows(report: dict) -> list[str]:
    cases = report["one_buffer"]
    ours = next((r for r in cases if r["case"] == OURS), {})
    lines = [
        "| case | s | MB/s | bins | digest | this / ours 2 threads |",
        "|---|---|---|---|---|---|",
    ]
    for r in cases:
        if "error" in r:
            lines.append(f"| {r['case']} | error: {r['error']} | | | | |")
            continue
        ratio = f"{r['seconds'] / ours['seconds']:.2f}x" if ours.get("seconds") else ""
        digest = (r.get("digest") or "—")[:12]
        lines.append(
            f"| {r['case']} | {r['seconds']:.2f} | {r['mb'] / r['seconds']:.2f} | "
            f"{r.get('bins', '—')} | `{digest}` | {ratio} |"
        )
    digests = {r["digest"] for r in cases if r.get("digest")}
    verdict = "identical" if len(digests) == 1 else "**DIFFERENT**"
    if any("error" in r for r in cases):
        verdict = "**not compared: a case failed**"
    lines += ["", f"Packed batches of every case that makes them: {verdict}."]
    return lines


def _e2e(e2e: dict) -> list[str]:
    lines = [
        "",
        f"### End to end: `axolotl train` on a streamed `pretraining_dataset` of "
        f"{e2e['rows']:,} documents",
        "",
        "The tiny model with its own tokenizer, `streaming: true`, `sample_packing: true`, "
        f"`sequence_len: 512`, `micro_batch_size: 1`, `max_steps: {e2e['steps']}` (the steps "
        "draw from the first buffer of 10,000 documents, as every later buffer would stall "
        "the training loop the same way). Wall, CPU and peak RSS of the whole command "
        "(start-up and model steps included).",
        "",
        "| run | status | wall s | CPU-s | peak RSS MB | steps logged | off / this (wall) |",
        "|---|---|---|---|---|---|---|",
    ]
    runs = {r["name"]: r for r in e2e["runs"]}
    off = runs.get("plugin off")
    for name, r in runs.items():
        ratio = f"{off['wall_s'] / r['wall_s']:.2f}x" if off else ""
        lines.append(
            f"| {name} | {r['status']} | {r['wall_s']:.1f} | {r['cpu_s']:.1f} | "
            f"{r['maxrss_mb']:.0f} | "
            f"{len(r['losses'])} | {ratio} |"
        )
    on = runs.get("loader + tokenize")
    if off and on:
        same = off["losses"] == on["losses"] and off["losses"]
        verdict = "identical" if same else "**DIFFERENT**"
        lines += ["", f"Losses of every step, plugin on vs off: {verdict}."]
        lines += [f"Plugin log: {line}." for line in on.get("plugin_log", [])]
    return lines


def render(report: dict, png: Path, md: Path) -> str:
    machine = report["machine"]
    lines = [
        "## Packed pretraining streams",
        "",
        f"One buffer of {report['buffer_rows']:,} generated documents (four alpaca rows "
        "each) as a `pretraining_dataset` with `sample_packing` packs it: windows of "
        f"`sequence_len` {report['sequence_len']} with axolotl's stride, the length filter, "
        "axolotl's multipack sampler, the collated bins; a byte-level BPE trained offline "
        f"(asked for 32k entries, the corpus gave {report['vocab']:,}), each case in its own "
        f"process from the same torch seed. Ours: {report['ours'].get('version', '?')} "
        f"({report['ours'].get('profile', '?')} build). Machine: {machine['cpu']}, "
        f"{machine['cpus']} CPUs. Took {report['seconds']:.0f} s. Reproduce: "
        "`axolotl-fast bench --only pretrain`.",
        "",
        f"![pretraining streams]({os.path.relpath(png, md.parent)})",
        "",
        *_buffer_rows(report),
    ]
    if report.get("e2e"):
        lines += _e2e(report["e2e"])
    return "\n".join(lines) + "\n"


def chart(report: dict, png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = 2 if report.get("e2e") else 1
    fig, axes = plt.subplots(1, panels, figsize=(7 * panels + 2, 4), squeeze=False)
    cases = [r for r in report["one_buffer"] if "seconds" in r]
    ax = axes[0][0]
    ax.barh([r["case"] for r in cases], [r["seconds"] for r in cases])
    ax.set_xlabel("seconds per buffer (lower is better)")
    ax.set_title(f"One buffer of {report['buffer_rows']:,} documents")
    ax.invert_yaxis()
    ax.grid(axis="x", alpha=0.3)
    if panels == 2:
        ax = axes[0][1]
        runs = report["e2e"]["runs"]
        ax.barh([r["name"] for r in runs], [r["wall_s"] for r in runs])
        ax.set_xlabel("wall seconds (lower is better)")
        ax.set_title(f"axolotl train, {report['e2e']['steps']} steps")
        ax.invert_yaxis()
        ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    plt.close(fig)


def main(raw: Path) -> None:
    report = json.loads(raw.read_text())
    png = raw.with_name("benchmarks-pretrain.png")
    md = raw.with_name("benchmarks.md")
    chart(report, png)
    bench_common.write_section(md, "pretrain", render(report, png, md))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
