"""The ``chat`` section of benchmarks.md and its chart, from ``benchmarks-chat.json``.

Written by ``chat_bench.py`` (axolotl venv), rendered here with the benchmark venv's
matplotlib::

    python benchmarks/chat_report.py docs/benchmarks-chat.json
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import bench_common

TARGETS = (
    "Targets (issue 15): per core, >= 4x axolotl's strategy on 1-4-turn conversations and "
    ">= 10x on 20+ turns; `axolotl preprocess` >= 3x wall vs plugin off on 2 cores, the same "
    "prepared dataset."
)
OURS = "ours, 2 threads"


def _rows(report: dict, length: str) -> list[str]:
    cases = [r for r in report["alone"] if r["length"] == length]
    ours = next((r for r in cases if r["case"] == OURS), {})
    lines = []
    for r in cases:
        if "error" in r:
            lines.append(f"| {length} | {r['case']} | error: {r['error']} | | | |")
            continue
        ratio = f"{r['seconds'] / ours['seconds']:.2f}x" if ours.get("seconds") else ""
        lines.append(
            f"| {length} | {r['case']} | {r['seconds']:.2f} | {r['rows'] / r['seconds']:,.0f} "
            f"| `{r['digest'][:12]}` | {ratio} |"
        )
    digests = {r.get("digest") for r in cases if "digest" in r}
    verdict = "identical" if len(digests) == 1 else "**DIFFERENT**"
    if any("error" in r for r in cases):
        verdict = "**not compared: a case failed**"
    return [*lines, f"| {length} | output of every case: {verdict} | | | | |"]


def _e2e(e2e: dict) -> list[str]:
    lines = [
        "",
        f"### End to end: `axolotl preprocess` of {e2e['rows']:,} short conversations",
        "",
        "| run | wall s | CPU-s | peak RSS MB | rows | digest | off / this (wall) |",
        "|---|---|---|---|---|---|---|",
    ]
    runs = {r["name"]: r for r in e2e["runs"]}
    for name, r in runs.items():
        off = runs.get("plugin off" + _suffix(name))
        ratio = f"{off['wall_s'] / r['wall_s']:.2f}x" if off else ""
        digest = (r.get("prepared_digest") or "—")[:12]
        lines.append(
            f"| {name} | {r['wall_s']:.1f} | {r['cpu_s']:.1f} | {r['maxrss_mb']:.0f} | "
            f"{r.get('prepared_rows', '—')} | `{digest}` | {ratio} |"
        )
    lines.append("")
    for suffix in dict.fromkeys(_suffix(name) for name in runs):
        off, on = (
            runs.get("plugin off" + suffix),
            runs.get("loader + tokenize" + suffix),
        )
        if off and on:
            same = off.get("prepared_digest") == on.get("prepared_digest")
            verdict = "identical" if same else "**DIFFERENT**"
            lines.append(f"Prepared dataset{suffix}, plugin on vs off: {verdict}.")
    if any(_suffix(name) for name in runs):
        lines += [
            "",
            "With a `weight` key on every third assistant turn, HF stores the turns as "
            "`datasets.Json` text; the loader replays that (loading every line with ujson, "
            "as HF does) and `tokenize` decodes the turns as `datasets.map` does. Before "
            "issue 19 both fell back to axolotl for such data.",
        ]
    return lines


def _suffix(name: str) -> str:
    """`` (turns with a weight key)`` of a run's name, or ``""``."""
    return name[name.index(" (") :] if " (" in name else ""


def render(report: dict, png: Path, md: Path) -> str:
    machine = report["machine"]
    lines = [
        "## Chat templates",
        "",
        f"{report['rows']:,} conversations of each length (generated alpaca rows as user / "
        "assistant turns, a system turn on every other one) through axolotl's "
        "`ChatTemplateStrategy` (ChatML, `roles_to_train: [assistant]`) and ours, each case "
        "in its own process, tokenization only; a byte-level BPE trained offline "
        f"({report['vocab']:,} tokens) with `<|im_start|>` / `<|im_end|>`. Ours: "
        f"{report['ours'].get('version', '?')} ({report['ours'].get('profile', '?')} build). "
        f"Machine: {machine['cpu']}, {machine['cpus']} CPUs. Took {report['seconds']:.0f} s. "
        "Reproduce: `axolotl-fast bench --only chat`.",
        "",
        TARGETS,
        "",
        f"![chat templates]({os.path.relpath(png, md.parent)})",
        "",
        "| conversations | case | s | rows/s | digest | this / ours 2 threads |",
        "|---|---|---|---|---|---|",
    ]
    for length in dict.fromkeys(r["length"] for r in report["alone"]):
        lines += _rows(report, length)
    lines += [
        "",
        "axolotl renders each conversation 1 + 2k times with Jinja (k: the turns it locates) "
        "and tokenizes it twice. ChatML passes our template scan, so ours renders each "
        "conversation shape once (with axolotl's own method) and joins the contents into it; "
        "the one tokenization, the character diffs and the masks are Rust, and a batch is "
        "planned while the one before is encoded. What is left is mostly the encoder itself "
        "(HF's `tokenizers` crate), which bounds the ratio on long conversations, where "
        "axolotl's own time is mostly its two encodings.",
    ]
    if report.get("e2e"):
        lines += _e2e(report["e2e"])
    return "\n".join(lines) + "\n"


def chart(report: dict, png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    lengths = list(dict.fromkeys(r["length"] for r in report["alone"]))
    fig, axes = plt.subplots(
        1, len(lengths), figsize=(7 * len(lengths), 4), squeeze=False
    )
    for ax, length in zip(axes[0], lengths, strict=True):
        cases = [r for r in report["alone"] if r["length"] == length and "seconds" in r]
        ax.barh([r["case"] for r in cases], [r["rows"] / r["seconds"] for r in cases])
        ax.set_xlabel("conversations per second (higher is better)")
        ax.set_title(f"chat_template, {length}")
        ax.invert_yaxis()
        ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    plt.close(fig)


def main(raw: Path) -> None:
    report = json.loads(raw.read_text())
    png = raw.with_name("benchmarks-chat.png")
    md = raw.with_name("benchmarks.md")
    chart(report, png)
    bench_common.write_section(md, "chat", render(report, png, md))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
