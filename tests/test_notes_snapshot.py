"""The reader's output, pinned: every note we have reads to exactly the `Note` it read to before.

Guards refactors of `deckgen.notes` (a new tree walk, a new parser): a change to any field of any
note — a block's text, a stamp's offset, a list's lead-in, a warning — changes the note's digest.
The digests live in `tests/fixtures/notes_digests.json`; after a change that is *meant* to alter
what notes read to, rewrite them with

    DECKGEN_REGEN_GOLDEN=1 python -m pytest tests/test_notes_snapshot.py

and review which notes changed (`git diff`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest

from conftest import REGEN, SEEDS, TESTS, corpus
from deckgen.build.discover import find_notes
from deckgen.errors import NoteError
from deckgen.model import Note
from deckgen.notes import parse_note, read_note

DIGESTS = TESTS / "fixtures" / "notes_digests.json"


def note_digest(read: Callable[[], Note]) -> str:
    """sha256 of the note `read` returns as JSON (every field), or of the error that refused it."""
    try:
        data: dict[str, object] = dataclasses.asdict(read())
        # The hand-written cards have their own pinned expectations (tests/test_explicit.py):
        # leaving them out keeps these digests the reader's Markdown alone.
        data.pop("explicit", None)
        if not data.get("embedded"):  # added later: a note that embeds no note keeps its digest
            data.pop("embedded", None)
    except NoteError as exc:
        data = {"error": [exc.path, exc.line, exc.message]}
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def folder_digests(root: Path, prefix: str) -> dict[str, str]:
    return {
        f"{prefix}/{f.display}": note_digest(partial(read_note, f.path, f.display, f.folder))
        for f in find_notes([root])
    }


SNIPPETS = [
    "# Heading one\n", "## Heading two\n", "### Heading *three*\n", "#### [00:01:00] Stamped heading\n",
    "A paragraph that introduces a list of things:\n", "Another sentence. And one more sentence here.\n",
    "From: [[source_id | Source Name]]\n", "**Term:** the body of a definition [00:02:00].\n",
    "**Other term**: body after the colon.\n", "- item one\n- item two\n- item three\n",
    "1. first\n2. second\n", "- **Nested:** parent\n  - child a\n  - child b\n    - grandchild\n",
    "- loose one\n\n- loose two\n\n  second paragraph of two\n", "- \n- empty item above\n",
    "> quoted paragraph\n> - quoted item\n> - another\n", "> > deeper quote\n> > - with a list\n",
    "| a | b |\n|---|---|\n| cell **x** | cell y |\n", "Term in a glossary\n:   its definition text\n",
    "[absolute path]{#absolute-path}\n:   a path from the root\n\n    more of it\n",
    "```python\ncode = 1\n```\n", "```\nnever closed\n", "<div>\nraw html block\n</div>\n",
    "<!-- a comment\n", "<pre>\nunclosed pre\n",
    '<a class="yt-timestamp" data-t="00:03:00">[00:03:00]</a> Anchor.\n',
    "Bare stamp [00:04:00] and [99:99:99] and [12:75].\n", "[00:05:00](https://youtu.be/x) linked stamp.\n",
    "See [[some_topic_slug]] and [[Page | label]].\n", "Text with <script>hidden()</script> script.\n",
    "*emphasis* and __strong__ and `code`.\n", "---\n", "    indented code\n", "![image](x.png) caption\n",
    "- item with stamp [00:06:00]\n  continued line\n", "* **A:** one\n* **B:** two\n* **C:** three\n",
    "Line one  \nhard break.\n", "- a\n  > quote in item\n- b\n", "1) paren list\n2) more\n",
    "Setext heading\n==============\n", "Term\n: def one\n: def two\n",
]  # fmt: skip
FRONT = ["", "---\ntitle: Synthetic\nvideoId: Wo95ob_s_NI\ntags: [a, b]\n---\n", "---\ntags: x, y\n---\n"]


def synthetic_notes(count: int = 300, seed: int = 20240611) -> dict[str, str]:
    """Notes mixing every construct the reader handles, made the same way on every run."""
    rng = random.Random(seed)
    notes = {}
    for n in range(count):
        parts = [rng.choice(SNIPPETS) for _ in range(rng.randint(1, 12))]
        indent = "  " * rng.randint(0, 2) if rng.random() < 0.2 else ""
        body = "\n".join(indent + p if rng.random() < 0.3 else p for p in parts)
        notes[f"synthetic/{n:03d}.md"] = rng.choice(FRONT) + body
    return notes


def synthetic_digests() -> dict[str, str]:
    return {
        name: note_digest(partial(parse_note, text, name, "synthetic"))
        for name, text in synthetic_notes().items()
    }


def check(section: str, actual: dict[str, str]) -> None:
    """Compare one section of the digests file with `actual`, or rewrite it under REGEN."""
    stored = json.loads(DIGESTS.read_text(encoding="utf-8")) if DIGESTS.exists() else {}
    if REGEN:
        stored[section] = actual
        DIGESTS.write_text(json.dumps(stored, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        return
    expected = stored.get(section)
    if expected is None:
        pytest.fail(f"{DIGESTS} has no {section!r} section — write it with DECKGEN_REGEN_GOLDEN=1")
    changed = sorted(p for p in expected.keys() | actual.keys() if expected.get(p) != actual.get(p))
    assert not changed, f"{len(changed)} notes read differently: {changed[:20]}"


def test_local_notes_read_as_before() -> None:
    actual = folder_digests(SEEDS, "seeds") | folder_digests(TESTS / "hostile", "hostile")
    actual |= folder_digests(TESTS / "fixtures" / "rules", "rules") | synthetic_digests()
    check("local", actual)


@pytest.mark.parametrize("name", ["carpentries", "logseq-docs", "obsidian-sr", "tubegraph"])
def test_corpus_reads_as_before(name: str) -> None:
    check(f"corpus/{name}", folder_digests(corpus(name), f"corpus/{name}"))
