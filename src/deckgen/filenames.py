"""One rule for the names of the files deckgen writes (packages and study sheets)."""

from __future__ import annotations

import re
import unicodedata

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
