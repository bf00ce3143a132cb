"""Shared test helpers: paths, the golden-file switch, and fresh Anki collections."""

from __future__ import annotations

import json
import os
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).parent
REPO = TESTS.parent
SEEDS = REPO / "seeds"
REFERENCE = SEEDS / "reasoning_in_ai_models.md"
CORPUS = REPO.parent / "shared" / "corpus"
VAULT = TESTS / "fixtures" / "vault"
"""30 small in-repo notes (written by tests/fixtures/make_vault.py): enough for the worker pool."""
REGEN = os.environ.get("DECKGEN_REGEN_GOLDEN") == "1"
"""`DECKGEN_REGEN_GOLDEN=1 pytest` rewrites golden and fixture files instead of comparing."""

sys.path.insert(0, str(TESTS))  # for the vendored anki_check helper


def golden(path: Path, actual: Any) -> None:
    """Compare `actual` (JSON-able) with the golden file at `path`, or rewrite it under REGEN."""
    text = json.dumps(actual, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
    if REGEN or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if not REGEN:
            pytest.fail(f"{path} was missing and has been written; check it and run again")
    assert json.loads(path.read_text(encoding="utf-8")) == json.loads(text)


def corpus(name: str = "") -> Path:
    """A folder of the shared test corpus; skips the test when it is absent."""
    path = CORPUS / name
    if not path.is_dir():
        pytest.skip(f"{path} is absent")
    return path


@pytest.fixture(scope="session")
def corpus_build(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One dry-run build of the whole shared corpus (on two worker processes), shared by every
    test that needs it; skips when the corpus is absent."""
    from deckgen.build import BuildOptions, build
    from deckgen.config import Config

    root = corpus()
    return build(
        [root], tmp_path_factory.mktemp("corpus"), Config(), 1_750_000_000, BuildOptions(write=False, jobs=2)
    )


DANGEROUS_TAGS = {
    "script",
    "iframe",
    "object",
    "embed",
    "style",
    "svg",
    "img",
    "link",
    "meta",
    "form",
    "base",
}


class _Active(HTMLParser):
    """Collects active content: dangerous tags, event handlers, script or data URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DANGEROUS_TAGS:
            self.found.append(tag)
        for name, value in attrs:
            if name.startswith("on") or re.match(r"\s*(javascript|data|vbscript):", value or "", re.I):
                self.found.append(f"{tag} {name}={value}")


def active_content(html_text: str) -> list[str]:
    """What in `html_text` a browser would run or load: empty for a safe card or sheet."""
    parser = _Active()
    parser.feed(html_text)
    parser.close()
    return parser.found
