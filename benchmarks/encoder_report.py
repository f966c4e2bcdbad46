"""The ``encoder`` section of benchmarks.md and its chart, from ``benchmarks-encoder.json``.

Written by ``encoder_bench.py`` (axolotl venv), rendered here with the benchmark venv's
matplotlib::

    python benchmarks/encoder_report.py docs/benchmarks-encoder.json
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import bench_common

TARGETS = (
    "Targets (issue 16): on one core, ours >= 5x HF `tokenizers` `encode_batch` (same "
    "strings, same threads) on a 32k and a 128k byte-level BPE, and >= 1x `tiktoken` on a "
    "comparable vocabulary; exactly HF's ids."
)
HF = "hf encode_batch"


def _index(report: dict) -> dict[tuple, dict]:
    return {
        (r["tokenizer"], r["corpus"], r["implementation"], r["threads"]): r
        for r in report["results"]
    }


def _groups(report: dict) -> list[tuple[str, str]]:
    return list(dict.fromkeys((r["tokenizer"], r["corpus"]) for r in report["results"]))


def _rows(report: dict) -> list[str]:
    index = _index(report)
    lines = []
    for tokenizer, corpus in _groups(report):
        for (tok, cor, implementation, threads), r in index.items():
            if (tok, cor) != (tokenizer, corpus):
                continue
            if "seconds" not in r:
                lines.append(
                    f"| {tok} | {cor} | {implementation} | {threads} | {r['error']} |||||"
                )
                continue
            hf = index.get((tok, cor, HF, threads), {})
            ours = index.get((tok, cor, "ours", threads), {})
            vs_hf = _ratio(hf, r)
            ours_vs = _ratio(r, ours) if implementation != "ours" else ""
            one = index.get((tok, cor, implementation, 1), {})
            scaling = _ratio(one, r) if threads == 2 else ""
            lines.append(
                f"| {tok} | {cor} | {implementation} | {threads} | {r['mb'] / r['seconds']:.1f} | "
                f"{r['tokens'] / r['seconds'] / 1e6:.2f} | {vs_hf} | {ours_vs} | {scaling} | "
                f"{_same(hf, r)} |"
            )
    return lines


def _ratio(slow: dict, fast: dict) -> str:
    if "seconds" not in slow or "seconds" not in fast:
        return "—"
    return f"{slow['seconds'] / fast['seconds']:.2f}x"


def _same(hf: dict, r: dict) -> str:
    if "digest" not in hf or "digest" not in r:
        return "—"
    return "yes" if hf["digest"] == r["digest"] else "**no**"


def _checks(report: dict) -> list[str]:
    index = _index(report)
    lines = []
    for tokenizer, corpus in _groups(report):
        ours = index.get((tokenizer, corpus, "ours", 1), {})
        hf = index.get((tokenizer, corpus, HF, 1), {})
        tiktoken = index.get((tokenizer, corpus, "tiktoken", 1), {})
        lines.append(
            f"- {tokenizer}, {corpus}, one thread: ours / HF `encode_batch` "
            f"{_ratio(hf, ours)}, ours / tiktoken {_ratio(tiktoken, ours)}; ours' ids "
            f"{'equal' if _same(hf, ours) == 'yes' else 'DIFFER FROM'} HF's; tiktoken's "
            f"{'equal' if _same(hf, tiktoken) == 'yes' else 'differ from'} HF's."
        )
    return lines


def _vocab(report: dict) -> str:
    sizes = report.get("vocab") or {}
    return (
        ", ".join(f"{name} {size:,}" for name, size in sizes.items()) or "not recorded"
    )


def render(report: dict, png: Path, md: Path) -> str:
    machine = report["machine"]
    lines = [
        "## Encoder",
        "",
        "Byte-level BPE encoding alone: the same documents through HF `tokenizers` "
        "(`encode_batch`, and `encode_batch_fast`, which skips offsets), ours "
        "(`Encoder.encode`, Arrow lists back) and `tiktoken` (`encode_ordinary_batch`), "
        "each case in a fresh process, one timed pass (word caches start cold), "
        "`add_special_tokens=False`. Tokenizers trained offline on "
        f"{report['train_mb']:.0f} MB of Python's standard library (code, then docstrings): "
        "`gpt2-32k` (`ByteLevel` with GPT-2's regex, 32,000 entries asked) and `llama3-128k` "
        "(Llama-3's `Split` regex, then `ByteLevel`; 128,000 asked, fewer if the text runs "
        "out of pairs). tiktoken gets the same regex and the same tokens, vocabulary ids as "
        f"merge ranks. Corpora of {report['mb']:g} MB each: `code` (the standard library in "
        "~2 KB documents), `prose` (its docstrings), `alpaca` (generated rows). "
        f"Vocabularies as trained: {_vocab(report)}. Best of "
        f"{report['repeat']}. Ours: {report['ours'].get('version', '?')} "
        f"({report['ours'].get('profile', '?')} build). Machine: {machine['cpu']}, "
        f"{machine['cpus']} CPUs. Took {report['seconds']:.0f} s. Reproduce: "
        "`axolotl-fast bench --only encoder`.",
        "",
        TARGETS,
        "",
        f"![encoder]({os.path.relpath(png, md.parent)})",
        "",
        "| tokenizer | corpus | encoder | threads | MB/s | M tokens/s | this / HF encode_batch "
        "| ours / this | 1 → 2 threads | ids = HF's |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *_rows(report),
        "",
        *_checks(report),
    ]
    return "\n".join(lines) + "\n"


def chart(report: dict, png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    index = _index(report)
    groups = _groups(report)
    cases = list(
        dict.fromkeys((r["implementation"], r["threads"]) for r in report["results"])
    )
    fig, ax = plt.subplots(figsize=(12, 5))
    width = 0.85 / len(cases)
    for j, (implementation, threads) in enumerate(cases):
        xs, ys = [], []
        for i, (tokenizer, corpus) in enumerate(groups):
            r = index.get((tokenizer, corpus, implementation, threads), {})
            if "seconds" in r:
                xs.append(i + (j - (len(cases) - 1) / 2) * width)
                ys.append(r["mb"] / r["seconds"])
        ax.bar(xs, ys, width, label=f"{implementation}, {threads} thread(s)")
    ax.set_xticks(range(len(groups)), [f"{t}\n{c}" for t, c in groups])
    ax.set_ylabel("MB of text per second (higher is better)")
    ax.set_title("Byte-level BPE encoding alone")
    ax.legend(fontsize=7, ncol=2)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    plt.close(fig)


def main(raw: Path) -> None:
    report = json.loads(raw.read_text())
    png = raw.with_name("benchmarks-encoder.png")
    md = raw.with_name("benchmarks.md")
    chart(report, png)
    bench_common.write_section(md, "encoder", render(report, png, md))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
