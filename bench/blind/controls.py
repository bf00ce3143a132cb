"""Mix known-verdict controls into a blind rating packet (step 5 of `../shared/cards/README.md`).

    python bench/blind/controls.py RATE_DIR SEED [--shared ../shared]

RATE_DIR is what `blind_cards.py cards` wrote (`cards.md`, one section per card). This writes
RATE_DIR/packet/cards.md with the controls shuffled in and every card renumbered (C001…), the
notes the cards cite copied into RATE_DIR/packet/notes/, and RATE_DIR/controls-key.json (which
id is a deckgen card and which a control with its known verdict): give raters the packet only.

Controls: every card of `rated-2026-12.jsonl` both raters accepted, four held-out cards both
failed, two more failed cards of the corpus, and two hand-written Spaced Repetition cards of
`corpus/obsidian-sr` (accepted in December's run: one of three passed).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
from pathlib import Path

_HAND_WRITTEN = (
    ("example-vault/docs/vaults/en/Math/Singular Matrix.md", 15),
    ("example-vault/docs/vaults/en/Math/Ellipse/Focus.md", 7),
)


def _note_with(shared: Path, text: str) -> Path | None:
    """The corpus or seed note that holds `text` (a control of the corpus names no file)."""
    for f in sorted([*shared.glob("corpus/**/*.md"), *shared.glob("seeds/*.md")]):
        if text[:40] in f.read_text(errors="ignore"):
            return f
    return None


def controls(shared: Path, rnd: random.Random) -> list[tuple[str, str, Path]]:
    """(known verdict, card text, its note) for each control."""
    rows = [json.loads(line) for line in (shared / "cards/rated-2026-12.jsonl").open()]
    good = [r for r in rows if all(v == "acceptable" for v in r["verdicts"])]
    bad = [r for r in rows if all(v == "not acceptable" for v in r["verdicts"])]
    chosen = good + rnd.sample([r for r in bad if r.get("note")], 4)
    chosen += rnd.sample([r for r in bad if not r.get("note")], 2)
    out = []
    for r in chosen:
        cited = shared / "cards" / r["note"] if r.get("note") else None
        note = cited or _note_with(shared, r.get("context") or r["back"])
        if note is None:
            continue
        text = f"- topic: {r['topic']}\n- front: {r['front']}\n- back: {r['back']}\n"
        text += f"- context: {r['context']}\n" if r.get("context") else ""
        out.append(("acceptable" if r in good else "not acceptable", text, note))
    for path, line in _HAND_WRITTEN:
        f = shared / "corpus/obsidian-sr" / path
        question, answer = f.read_text().splitlines()[line - 1].split("::", 1)
        answer = re.sub(r"<!--.*?-->", "", answer).strip()
        out.append(("hand-written", f"- topic: {f.stem}\n- front: {question.strip()}\n- back: {answer}\n", f))
    return out


def main() -> None:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("rate", type=Path)
    parser.add_argument("seed", type=int)
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[3] / "shared")
    args = parser.parse_args()
    rnd = random.Random(args.seed)
    cards = []
    for section in re.split(r"\n(?=## R\d+)", (args.rate / "cards.md").read_text())[1:]:
        body = section.split("\n", 1)[1]
        note = re.search(r"- note: (.*)", body)
        assert note, f"a card of {args.rate / 'cards.md'} names no note"
        cards.append(("deckgen", body, args.rate.parent / note.group(1)))
    mixed = cards + [(f"control: {v}", text, note) for v, text, note in controls(args.shared, rnd)]
    rnd.shuffle(mixed)
    packet = args.rate / "packet"
    shutil.rmtree(packet, ignore_errors=True)
    (packet / "notes").mkdir(parents=True)
    shutil.copy(args.shared / "cards/RUBRIC.md", packet)
    key, parts = {}, [f"# Cards to rate ({len(mixed)})\n"]
    for i, (what, body, note) in enumerate(mixed, 1):
        copy = packet / "notes" / f"{i:03d}-{note.name}"
        shutil.copy(note, copy)
        shown = re.sub(r"- (?:note|source): .*\n?", "", body + "\n").rstrip("\n")  # the same fields for all
        parts.append(f"## C{i:03d}\n{shown}\n- note: notes/{copy.name}\n")
        key[f"C{i:03d}"] = what
    (packet / "cards.md").write_text("\n".join(parts))
    (args.rate / "controls-key.json").write_text(json.dumps(key, indent=1))
    print(f"{len(cards)} cards, {len(mixed) - len(cards)} controls → {packet}")


if __name__ == "__main__":
    main()
