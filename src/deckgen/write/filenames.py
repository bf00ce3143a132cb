"""One rule for the names of the files deckgen writes (packages and study sheets)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

MAX_FILE_SLUG = 80
"""Characters kept of a name: file systems refuse names over 255 bytes, and a long source
name must not fail the build."""


def file_slug(name: str) -> str:
    """A file-name-safe form of `name`: `ML::Karpathy::Intro` → `ml-karpathy-intro`,
    `über-ängste` → `uber-angste`; never empty, never more than `MAX_FILE_SLUG` characters."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # \w keeps letters of every script; anything else (dots, slashes) becomes a dash, so no
    # name can point into a parent folder.
    slug = re.sub(r"[\W_]+", "-", bare).strip("-")[:MAX_FILE_SLUG].strip("-")
    return slug or "deck"


ALL_SLUG = "all"
"""The slug of the sheet that holds every deck."""


def deck_slugs(names: Sequence[str]) -> tuple[str, ...]:
    """Unique slugs in order; later duplicates (and a deck called 'All') get `-2`, `-3`…"""
    taken = {ALL_SLUG}
    slugs = []
    for name in names:
        base = slug = file_slug(name)
        counter = 1
        while slug in taken:
            counter += 1
            slug = f"{base}-{counter}"
        taken.add(slug)
        slugs.append(slug)
    return tuple(slugs)
