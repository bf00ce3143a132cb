"""A seeded synthetic vault of talk notes shaped like the tubegraph sample.

    python bench/generate.py OUT_DIR --notes 21000 --megabytes 166 --seed 1

Note sizes and timestamps per kilobyte follow quantile tables measured on the 300-note sample in
`shared/corpus/tubegraph/`; they are built in below, so no corpus is needed. The prose is drawn word
by word from the sample's word frequencies when the sample is there (or `--corpus PATH`), else from
a small built-in vocabulary (`--corpus none` forces it). Note `i` depends only on (seed, i,
vocabulary), so a 5,000-note vault is the first 5,000 notes of a 20,000-note one.
"""

from __future__ import annotations

import argparse
import bisect
import json
import math
import random
import re
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# The shared corpus sits next to the checkout (as tests/conftest.py expects), wherever that is.
DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "tubegraph"
MANIFEST = ".bench-vault.json"  # hidden: deckgen skips dot files
CHANNELS = 80
PROBS = (0.0, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1.0)

# Measured on shared/corpus/tubegraph (300 notes, 3,018,869 bytes) at PROBS.
SIZE_QUANTILES = (66, 2275, 3108, 4215, 6823, 11553, 16605, 22574, 50736, 330215)
STAMPS_PER_KB = (0.0, 0.47, 1.58, 4.08, 4.98, 5.74, 6.89, 7.77, 12.14, 25.23)
BARE_ONLY, MIXED = 0.10, 0.05  # share of stamped notes with bare `[hh:mm:ss]` stamps only / some

ANCHOR = re.compile(r'<a class="yt-timestamp" data-t="[\d:]+">\[[\d:]+\]</a>')
BARE = re.compile(r"\[\d{1,2}:\d{2}(?::\d{2})?\]")
VIDEO_ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
WORD = re.compile(r"[A-Za-z][a-z']{0,14}")

BUILTIN_WORDS = """
the of and to a in that is for it as with was on be by this are or from at an which have not
they their can more one has but its also such these how into when about what model models data
systems system learning research people time way first new other could would process through
training world work example important key approach significant development between use used
value growth market company companies product strategy design users energy power network
government policy economic history science physics theory quantum gravity information problem
problems solution structure control memory language reasoning agents agent performance human
brain health sleep muscle protein cells disease treatment patients clinical study studies risk
capital investment founders startup revenue customers pricing scale scaling compute hardware
chips software engineering code tools evaluation benchmark alignment safety security privacy
music film story character culture society education students teachers mathematics proof
geometry algebra climate water food trade china europe india america war empire century early
later often many most some each both several specific different critical complex simple rapid
""".split()


@dataclass(frozen=True, slots=True)
class Profile:
    """What the generator draws from: words with weights and the two quantile tables."""

    words: tuple[str, ...]
    cum_weights: tuple[float, ...]
    sizes: tuple[float, ...]
    stamps_per_kb: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class Channel:
    """One folder of the vault and how its notes name their source."""

    folder: str
    from_line: str


def builtin_profile() -> Profile:
    """Zipf weights over the built-in word list and the built-in quantile tables."""
    weights = [1 / (rank + 1) for rank in range(len(BUILTIN_WORDS))]
    return _profile(BUILTIN_WORDS, weights, SIZE_QUANTILES, STAMPS_PER_KB)


def corpus_profile(corpus: Path, vocab: int = 4000) -> Profile:
    """The `vocab` most frequent words of the notes under `corpus`, with the built-in tables."""
    counts: Counter[str] = Counter()
    for path in note_paths(corpus):
        counts.update(WORD.findall(plain_text(path.read_text(encoding="utf-8"))))
    common = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:vocab]
    return _profile([w for w, _ in common], [c for _, c in common], SIZE_QUANTILES, STAMPS_PER_KB)


def _profile(
    words: Sequence[str], weights: Sequence[float], sizes: Sequence[float], per_kb: Sequence[float]
) -> Profile:
    total, cum = 0.0, []
    for w in weights:
        total += w
        cum.append(total)
    return Profile(tuple(words), tuple(cum), tuple(sizes), tuple(per_kb))


def plain_text(text: str) -> str:
    """Note text without front matter, anchors and link targets: just the prose words."""
    text = ANCHOR.sub(" ", text.split("\n---", 1)[-1])
    return re.sub(r"\[\[[^\]|]*\|", " ", text)


def note_paths(root: Path) -> list[Path]:
    """Every note under `root`, sorted, without hidden files or the corpus' SOURCE.md."""
    return sorted(
        p
        for p in root.rglob("*.md")
        if p.name != "SOURCE.md" and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )


def quantiles(values: Sequence[float], probs: Sequence[float]) -> list[float]:
    """Nearest-rank quantiles of `values` at each of `probs`."""
    xs = sorted(values)
    return [xs[min(len(xs) - 1, int(p * len(xs)))] for p in probs]


def inverse_cdf(u: float, table: Sequence[float], log: bool) -> float:
    """A draw from the distribution whose quantiles at PROBS are `table` (piecewise linear)."""
    i = min(bisect.bisect_right(PROBS, u), len(PROBS) - 1)
    p0, p1, lo, hi = PROBS[i - 1], PROBS[i], table[i - 1], table[i]
    f = (u - p0) / (p1 - p0)
    if log and lo > 0:
        return math.exp(math.log(lo) + f * (math.log(hi) - math.log(lo)))
    return lo + f * (hi - lo)


def vault_stats(root: Path) -> dict[str, list[float]]:
    """Bytes, timestamps (anchors + bare stamps) and timestamps per KB of every note."""
    sizes, stamps, per_kb = [], [], []
    for path in note_paths(root):
        text = path.read_text(encoding="utf-8")
        n = len(ANCHOR.findall(text)) + len(BARE.findall(ANCHOR.sub("", text)))
        size = len(text.encode("utf-8"))
        sizes.append(size)
        stamps.append(n)
        if size > 1000:  # tiny stubs would dominate a per-KB figure
            per_kb.append(1000 * n / size)
    return {"sizes": sizes, "stamps": stamps, "stamps_per_kb": per_kb}


class NoteWriter:
    """Writes one note's Markdown from a seeded random source."""

    def __init__(self, rng: random.Random, profile: Profile) -> None:
        self.rng = rng
        self.profile = profile
        self.seconds = rng.randrange(0, 600)
        self.per_byte = 0.0  # stamps owed per byte of prose
        self.credit = 0.0
        self.style = "anchor"
        self.short_stamps = rng.random() < 0.05  # data-t="mm:ss" in a few notes

    def words(self, n: int) -> list[str]:
        """`n` words drawn by frequency."""
        return self.rng.choices(self.profile.words, cum_weights=self.profile.cum_weights, k=n)

    def phrase(self, lo: int, hi: int) -> str:
        """A capitalised run of lo..hi words."""
        text = " ".join(self.words(self.rng.randint(lo, hi)))
        return text[:1].upper() + text[1:]

    def stamp(self) -> str:
        """The next timestamp, later in the video, as an anchor or a bare stamp."""
        self.seconds += self.rng.randint(2, 40)
        h, rest = divmod(self.seconds, 3600)
        label = f"{rest // 60:02d}:{rest % 60:02d}"
        if not self.short_stamps:
            label = f"{h:02d}:{label}"
        bare = self.style == "bare" or (self.style == "mixed" and self.rng.random() < 0.5)
        return f"[{label}]" if bare else f'<a class="yt-timestamp" data-t="{label}">[{label}]</a>'

    def stamps(self, prose: str) -> str:
        """The stamps `prose` earns at this note's rate (stochastic rounding keeps the average)."""
        self.credit += len(prose) * self.per_byte
        n = max(0, int(self.credit + self.rng.random()))
        if n > 1 and self.credit < 3:
            n = 1  # the sample cites one moment per sentence unless stamps are dense
        if n == 1 and self.rng.random() < 0.06:
            n = self.rng.randint(2, 4)  # a few sentences cite several moments
        self.credit -= n
        return " " + ", ".join(self.stamp() for _ in range(n)) if n else ""

    def inline(self) -> str:
        """A run of words, sometimes with a wiki link, a quote, a number or an acronym."""
        r = self.rng.random()
        words = " ".join(self.words(self.rng.randint(5, 12)))
        if r < 0.12:
            target = "_".join(self.words(3))
            return f"{words} [[{target} | {' '.join(self.words(2))}]]"
        if r < 0.18:
            return f'{words} "{" ".join(self.words(3))}"'
        if r < 0.24:
            return f"{words} {self.rng.randint(2, 999)} {self.rng.choice(['percent', 'years', 'million'])}"
        if r < 0.28:
            term = self.words(3)
            return f"{words} {' '.join(term).title()} ({''.join(w[0] for w in term).upper()})"
        return words

    def sentence(self) -> str:
        """One sentence ending with its timestamps, as the sample writes them."""
        text = ", ".join(self.inline() for _ in range(self.rng.randint(1, 3)))
        return text[:1].upper() + text[1:] + self.stamps(text) + "."

    def sentences(self, lo: int, hi: int) -> str:
        """lo..hi sentences in a row."""
        return " ".join(self.sentence() for _ in range(self.rng.randint(lo, hi)))

    def term_item(self, marker: str) -> str:
        """A `**Term:** body` list item (sometimes `**Term**:` or `**Term**`)."""
        term = self.phrase(1, 4)
        form = self.rng.choice([f"**{term}:**", f"**{term}:**", f"**{term}**:", f"**{term}**"])
        return f"{marker}{form} {self.sentences(1, 2)}"

    def bullet_list(self) -> list[str]:
        """A `*` (or `-`, or numbered) list, sometimes with nested items."""
        kind = self.rng.choices(["star", "dash", "number"], weights=[80, 6, 14])[0]
        lines = []
        for i in range(self.rng.randint(2, 7)):
            marker = {"star": "*   ", "dash": "- ", "number": f"{i + 1}.  "}[kind]
            terms = self.rng.random() < 0.55
            lines.append(self.term_item(marker) if terms else f"{marker}{self.sentences(1, 2)}")
            if self.rng.random() < 0.12:
                lines += [f"    *   {self.sentences(1, 1)}" for _ in range(self.rng.randint(1, 3))]
        return lines

    def block(self) -> list[str]:
        """A paragraph, a list with a lead-in, or (rarely) a small table."""
        r = self.rng.random()
        if r < 0.45:
            return [self.sentences(1, 4), ""]
        if r < 0.985:
            lead = self.phrase(4, 10)
            lead += f"{self.stamps(lead)}:"
            return [lead, *self.bullet_list(), ""]
        head = "| " + " | ".join(self.phrase(1, 2) for _ in range(3)) + " |"
        rows = ["| " + " | ".join(self.phrase(1, 4) for _ in range(3)) + " |" for _ in range(3)]
        return [head, "| --- | --- | --- |", *rows, ""]

    def body(self, target: int, used: int) -> list[str]:
        """Headed sections of blocks until the note reaches about `target` bytes."""
        lines = [self.sentences(1, 3), ""] if target - used > 300 else []
        size = used + _size(lines)
        while size < target:
            lines += [f"{self.rng.choice(['##', '##', '###'])} {self.phrase(2, 6)}", ""]
            for _ in range(self.rng.randint(1, 4)):
                new = self.block()
                lines += new
                size += _size(new)
                if size >= target:
                    break
        return lines

    def note(self, title: str, channel: Channel, target: int, stamps_per_kb: float) -> str:
        """The whole note: front matter, `From:` line, then sections."""
        styles = {"anchor": 1 - BARE_ONLY - MIXED, "bare": BARE_ONLY, "mixed": MIXED}
        self.style = self.rng.choices(list(styles), list(styles.values()))[0]
        video = "".join(self.rng.choices(VIDEO_ID_CHARS, k=11))
        head = f"---\ntitle: {title}\nvideoId: {video}\n---\n\n{channel.from_line}\n"
        # Stamps take room too: owe `per_kb` stamps per KB of prose *and* stamps.
        stamp_bytes = 13 if self.style == "bare" else 59
        per_byte = stamps_per_kb / 1000
        self.per_byte = per_byte / max(0.05, 1 - per_byte * stamp_bytes)
        if target < 150:
            return head
        # The last block overshoots by half a block on average; aim that much lower.
        return head + "\n" + "\n".join(self.body(target - 350, len(head))).rstrip() + "\n"


def _size(lines: Sequence[str]) -> int:
    return sum(len(x.encode()) + 1 for x in lines)


def channels(rng: random.Random, profile: Profile) -> list[Channel]:
    """CHANNELS folders; a few name their source as `[[id | Name]]` without `<br/>`."""
    found: list[Channel] = []
    for i in range(CHANNELS):
        name = "".join(rng.choices(profile.words, k=2)) + str(i)
        if rng.random() < 0.1:
            pretty = " ".join(w.title() for w in rng.choices(profile.words, k=3))
            found.append(Channel(name, f"From: [[{name} | {pretty}]]"))
        else:
            found.append(Channel(name, f"From: [[{name}]] <br/> "))
    return found


def title_slug(title: str) -> str:
    """The file name the sample uses for a title."""
    return re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_") or "note"


def mean_size(sizes: Sequence[float], steps: int = 100_000) -> float:
    """The mean note size (bytes) the quantile table `sizes` gives."""
    return sum(inverse_cdf((k + 0.5) / steps, sizes, log=True) for k in range(steps)) / steps


def generate(
    out: Path, notes: int, seed: int, profile: Profile, megabytes: float | None = None
) -> list[Path]:
    """Write `notes` notes under `out` and return their paths. With `megabytes`, every note's size
    is scaled by one factor so that the vault holds about that much (the shape stays the sample's)."""
    scale = megabytes * 1e6 / (notes * mean_size(profile.sizes)) if megabytes else 1.0
    chans = channels(random.Random(f"{seed}:channels"), profile)
    zipf = [1 / (k + 1) for k in range(len(chans))]  # a few big channels, a long tail
    used: set[Path] = set()
    paths = []
    for i in range(notes):
        rng = random.Random(f"{seed}:{i}")
        channel = rng.choices(chans, weights=zipf)[0]
        target = round(scale * inverse_cdf(rng.random(), profile.sizes, log=True))
        per_kb = inverse_cdf(rng.random(), profile.stamps_per_kb, log=False)
        writer = NoteWriter(rng, profile)
        title = writer.phrase(3, 8)
        path = out / channel.folder / f"{title_slug(title)}.md"
        if path in used:
            path = path.with_name(f"{path.stem}_{i}.md")
        used.add(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(writer.note(title, channel, target, per_kb), encoding="utf-8")
        paths.append(path)
    return paths


def resolve_corpus(arg: str | None) -> Path | None:
    """`--corpus`: a folder, `none`, or unset (the shared sample if it is there)."""
    if arg == "none":
        return None
    path = Path(arg) if arg else DEFAULT_CORPUS
    return path if path.is_dir() else None


def ensure_vault(
    out: Path, notes: int, seed: int, corpus: Path | None = None, megabytes: float | None = None
) -> Path:
    """Generate the vault unless `out` already holds one made with the same settings."""
    settings: dict[str, object] = {"notes": notes, "seed": seed, "corpus": str(corpus) if corpus else None,
                                   "version": 1}  # fmt: skip
    if megabytes:
        settings["megabytes"] = megabytes
    manifest = out / MANIFEST
    if manifest.is_file() and json.loads(manifest.read_text()) == settings:
        return out
    if out.exists() and any(out.iterdir()):
        raise SystemExit(f"{out}: not empty and not a vault with these settings — pick an empty folder")
    profile = corpus_profile(corpus) if corpus else builtin_profile()
    generate(out, notes, seed, profile, megabytes)
    manifest.write_text(json.dumps(settings))
    return out


def describe(stats: dict[str, list[float]]) -> dict[str, float]:
    """Headline figures of one vault: note count, total bytes, size and stamp quantiles."""
    sizes, stamps = stats["sizes"], stats["stamps"]
    row: dict[str, float] = {"notes": len(sizes), "MB": sum(sizes) / 1e6}
    probs = (0.1, 0.25, 0.5, 0.75, 0.9, 0.99)
    for p, q in zip(probs, quantiles(sizes, probs), strict=True):
        row[f"size p{round(p * 100)}"] = q
    row["size mean"] = sum(sizes) / len(sizes)
    row["stamps mean"] = sum(stamps) / len(stamps)
    row["stamps p50"] = quantiles(stamps, [0.5])[0]
    row["stamps p90"] = quantiles(stamps, [0.9])[0]
    row["stamps/KB p50"] = quantiles(stats["stamps_per_kb"], [0.5])[0]
    return row


def comparison(generated: Path, corpus: Path | None) -> str:
    """A Markdown table of the generated vault next to the sample (when present)."""
    gen = describe(vault_stats(generated))
    ref = describe(vault_stats(corpus)) if corpus and corpus.is_dir() else None
    lines = ["| figure | sample | generated |", "|---|---:|---:|"]
    for key, value in gen.items():
        lines.append(f"| {key} | {_fmt(ref[key]) if ref else '—'} | {_fmt(value)} |")
    return "\n".join(lines)


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 or float(x).is_integer() else f"{x:.2f}"


def main(argv: Sequence[str] | None = None) -> int:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("out", type=Path, help="folder to write the vault into (empty or a cached vault)")
    parser.add_argument("--notes", type=int, default=20_000, help="how many notes (default 20000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--corpus",
        default=None,
        help=f"take word frequencies from this folder (default {DEFAULT_CORPUS}"
        " if present; 'none' for the built-in vocabulary)",
    )
    parser.add_argument(
        "--megabytes", type=float, default=None,
        help="scale every note so the vault holds about this many MB (default: the sample's sizes)",
    )  # fmt: skip
    parser.add_argument("--no-compare", action="store_true", help="skip the comparison with the sample")
    args = parser.parse_args(argv)
    corpus = resolve_corpus(args.corpus)
    ensure_vault(args.out, args.notes, args.seed, corpus, args.megabytes)
    if not args.no_compare:
        print(comparison(args.out, corpus or (DEFAULT_CORPUS if DEFAULT_CORPUS.is_dir() else None)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
