"""The rows of the near-dedupe benchmark: clean rows, planted near-copies, exact duplicates.

Clean rows are ~150-300 pseudo-words (consonant-vowel syllables, so no word is an English
contraction a tokenizer would split) drawn from a 20,000-word vocabulary with a Zipf
distribution, so that common shingles recur across rows as in real text; sentences get a
capital and a full stop, some words a comma: about 1.2 KB a row.

A planted near-copy is made from one clean row (each original is used once, so every true
cluster is a pair) by one kind of edit, repeated until the EXACT Jaccard similarity of the two
rows' shingle sets falls into a target bucket of 0.3-0.4, ..., 0.9-1.0:

* ``substitute``: a word replaced by a random vocabulary word;
* ``reorder``: a span of 1-12 words moved elsewhere in the row;
* ``insert-delete``: a word inserted or deleted, or a trailing sentence appended.

``format`` copies (bucket 1.0) keep the words and change only case, punctuation and spacing,
which normalization removes; ``exact`` copies repeat the original string. Shingles are the
ones ``axolotl_fast.near_dedupe`` uses: word 5-grams of the lowercased text, any character
that is not alphanumeric separating words. A copy lands at a random position after its
original. Every byte is a function of ``rows`` and ``seed``; files are cached::

    rows.parquet (text), truth.parquet (copy, original, jaccard, kind),
    jsonl/00000.jsonl + 00001.jsonl (the same rows halved, with "id", for datatrove)
"""

from __future__ import annotations

import json
import random
import re
import shutil
from pathlib import Path

DATA_VERSION = 1
NGRAM = 5
VOCAB_WORDS = 20_000
NEAR_SHARE, EXACT_SHARE = 0.15, 0.02
# Lower edges of the target buckets of near-copies; "format" copies are the 1.0 bucket.
TARGETS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
KINDS = ("substitute", "reorder", "insert-delete")
_WORD = re.compile(r"[^\W_]+")


def words_of(text: str) -> list[str]:
    """The words of normalized text: lowercase, split on anything not alphanumeric."""
    return _WORD.findall(text.lower())


def shingles(words: list[str], n: int = NGRAM) -> set[str]:
    """Word n-grams; a row shorter than ``n`` words is one shingle, an empty row none."""
    if len(words) < n:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 1.0


class Vocabulary:
    """Pseudo-words of consonant-vowel syllables, drawn with Zipf weights (1 / rank)."""

    def __init__(self, rng: random.Random, size: int = VOCAB_WORDS) -> None:
        syllables = [c + v for c in "bdfghklmnprstvz" for v in "aeiou"]
        words: list[str] = []
        seen: set[str] = set()
        while len(words) < size:
            count = 1 if len(words) < 40 else 2 if len(words) < 2000 else 3
            word = "".join(rng.choice(syllables) for _ in range(count))
            if word not in seen:
                seen.add(word)
                words.append(word)
        self.words = words
        weights = [1.0 / rank for rank in range(1, size + 1)]
        total, running, self.cumulative = sum(weights), 0.0, []
        for weight in weights:
            running += weight / total
            self.cumulative.append(running)

    def draw(self, rng: random.Random, k: int) -> list[str]:
        return rng.choices(self.words, cum_weights=self.cumulative, k=k)


def render(words: list[str], rng: random.Random) -> str:
    """Sentences of 6-20 words, capitalized, with a full stop and now and then a comma."""
    parts, start = [], 0
    while start < len(words):
        end = min(len(words), start + rng.randint(6, 20))
        sentence = [w + ("," if rng.random() < 0.06 else "") for w in words[start:end]]
        sentence[-1] = sentence[-1].rstrip(",") + "."
        sentence[0] = sentence[0].capitalize()
        parts.append(" ".join(sentence))
        start = end
    return " ".join(parts)


def reformat(words: list[str], rng: random.Random) -> str:
    """The same words with other case, punctuation and spacing (normalized, it is equal)."""
    shouted = [w.upper() if rng.random() < 0.05 else w for w in words]
    text = render(shouted, rng)
    return text.replace(". ", ".\n\n", 3).replace(" ", "  ", 5) + " !"


def edit(words: list[str], kind: str, vocab: Vocabulary, rng: random.Random) -> None:
    """One edit of ``kind``, in place."""
    at = rng.randrange(len(words))
    if kind == "substitute":
        words[at] = vocab.draw(rng, 1)[0]
    elif kind == "reorder":
        span = words[at : at + rng.randint(1, 12)]
        del words[at : at + len(span)]
        to = rng.randrange(len(words) + 1)
        words[to:to] = span
    elif rng.random() < 0.15:
        words.extend(vocab.draw(rng, rng.randint(6, 15)))
    elif rng.random() < 0.5 and len(words) > NGRAM + 1:
        del words[at]
    else:
        words.insert(at, vocab.draw(rng, 1)[0])


def near_copy(
    original: list[str], low: float, kind: str, vocab: Vocabulary, rng: random.Random
) -> tuple[list[str], float]:
    """Edit a copy of ``original`` until its exact Jaccard is below ``low + 0.1``; retry
    (up to 8 times) while it overshoots below ``low``. Returns the words and the Jaccard."""
    target = shingles(original)
    for _ in range(8):
        words, similarity = list(original), 1.0
        for _ in range(2000):
            edit(words, kind, vocab, rng)
            similarity = jaccard(target, shingles(words))
            if similarity < low + 0.1:
                break
        if similarity >= low:
            break
    return words, similarity


def generate(rows: int, seed: int, folder: Path) -> None:
    """Write the rows, the truth and the JSON Lines halves into ``folder``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = random.Random(seed)
    vocab = Vocabulary(rng)
    near, exact = int(rows * NEAR_SHARE), int(rows * EXACT_SHARE)
    clean = [vocab.draw(rng, rng.randint(150, 300)) for _ in range(rows - near - exact)]
    keys = sorted(rng.random() for _ in clean)
    placed = [
        (key, render(words, rng), None) for key, words in zip(keys, clean, strict=True)
    ]
    originals = rng.sample(range(len(clean)), near + exact)
    for number, source in enumerate(originals):
        kind, similarity = "exact", 1.0
        if number < exact:
            text = placed[source][1]
        elif number % (len(TARGETS) + 1) == len(TARGETS):
            kind, text = "format", reformat(clean[source], rng)
        else:
            kind = KINDS[number % len(KINDS)]
            low = TARGETS[number % (len(TARGETS) + 1)]
            words, similarity = near_copy(clean[source], low, kind, vocab, rng)
            text = render(words, rng)
        key = rng.uniform(keys[source], 1.0)
        placed.append((key, text, (source, similarity, kind)))
    order = sorted(range(len(placed)), key=lambda i: placed[i][0])
    row_of = {item: row for row, item in enumerate(order)}
    texts = [placed[i][1] for i in order]
    truth = [
        {"copy": row_of[i], "original": row_of[p[0]], "jaccard": p[1], "kind": p[2]}
        for i, (_, _, p) in enumerate(placed)
        if p is not None
    ]
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"text": texts}), folder / "rows.parquet")
    truth.sort(key=lambda t: t["copy"])
    pq.write_table(pa.Table.from_pylist(truth), folder / "truth.parquet")
    write_jsonl_halves(texts, folder / "jsonl")


def write_jsonl_halves(texts: list[str], folder: Path) -> None:
    """Rows [0, n/2) and [n/2, n) as two files, one per datatrove task, with their ids."""
    folder.mkdir(parents=True, exist_ok=True)
    half = (len(texts) + 1) // 2
    for part, (start, stop) in enumerate(((0, half), (half, len(texts)))):
        with open(folder / f"{part:05d}.jsonl", "w", encoding="utf-8") as out:
            for row in range(start, stop):
                out.write(json.dumps({"id": str(row), "text": texts[row]}) + "\n")


def dataset(rows: int, seed: int, data_dir: Path) -> Path:
    """The cached folder of ``rows`` rows (made on first use)."""
    folder = data_dir / f"near-dedupe-v{DATA_VERSION}-rows{rows}-seed{seed}"
    if not (folder / "truth.parquet").exists():
        temporary = folder.with_name(f".tmp-{folder.name}")
        shutil.rmtree(temporary, ignore_errors=True)
        generate(rows, seed, temporary)
        shutil.rmtree(folder, ignore_errors=True)
        temporary.replace(folder)
    return folder
