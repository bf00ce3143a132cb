"""Writing every study sheet of a run: decks rendered in parallel, unchanged ones skipped, `all`
made from the decks' own sheets, and a record of what was written.

Laying out a PDF is the cost (WeasyPrint: layout, then font subsetting, per document), so each
deck is laid out once, on a worker process, and `all.pdf` is the decks' PDFs joined page by
page. `out/.deckgen-sheets.json` keeps a digest per sheet file of what it was made from
(the deck's cards, the layout settings, the templates, deckgen's code), as `state.py` does for
packages: a sheet whose digest is unchanged and whose file is there is not written again.
"""

from __future__ import annotations

import hashlib
import io
import json
import multiprocessing
import os
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import cache, render
from .files import atomic_write, staged
from .model import Deck
from .options import Progress
from .write_sheet import (
    ALL_SLUG,
    MEDIA_DIR,
    SHEET_DIR,
    SheetSettings,
    combine_html,
    deck_slugs,
    font_config,
    render_all_md,
    render_deck,
)

STATE_NAME = ".deckgen-sheets.json"
PARALLEL_FROM = 4
"""Decks to render before worker processes pay off (each starts in well under a second)."""


@dataclass(frozen=True, slots=True)
class SheetRun:
    """What one run of the sheet writer produced."""

    paths: tuple[Path, ...]
    """Every sheet of these decks: each deck's formats in order, then `all`'s."""
    written: tuple[Path, ...]
    """The sheets written this time; the others were up to date."""
    removed: tuple[Path, ...]
    """Sheets of decks that are gone, deleted."""


def write_all(
    decks: Sequence[Deck], out: Path, settings: SheetSettings, *, jobs: int = 0,
    progress: Progress | None = None,
) -> SheetRun:  # fmt: skip
    """Write `out/sheets/<slug>.<ext>` for each deck whose sheet changed, and `all.<ext>`; render
    everything before writing anything, so a template error leaves no new file."""
    if not decks:
        return SheetRun((), (), ())
    folder = out / SHEET_DIR
    formats = tuple(dict.fromkeys(settings.formats))
    slugs = deck_slugs([deck.name for deck in decks])
    base = _settings_digest(settings)
    digests = [_deck_digest(base, deck, slug) for deck, slug in zip(decks, slugs, strict=True)]
    whole = hashlib.sha256("\x1f".join([base, *digests]).encode()).hexdigest()
    before = _recorded(out)

    def stale(slug: str, digest: str) -> bool:
        names = [f"{slug}.{fmt}" for fmt in formats]
        return any(before.get(name) != digest or not (folder / name).is_file() for name in names)

    todo = [i for i, (slug, digest) in enumerate(zip(slugs, digests, strict=True)) if stale(slug, digest)]
    made = dict(zip(todo, _render_many([(decks[i], slugs[i]) for i in todo], settings, jobs, progress),
                    strict=True))  # fmt: skip
    outputs = [(folder / f"{slugs[i]}.{fmt}", data[fmt]) for i, data in made.items() for fmt in formats]
    if todo or stale(ALL_SLUG, whole):
        outputs += _all_sheets(decks, slugs, made, folder, settings)
    images = []  # the images the HTML sheets show, once each (their names are hashes)
    if "html" in formats:
        for name, source in render.media_files(c for d in decks for c in d.cards).items():
            if not (target := folder / MEDIA_DIR / name).is_file():
                images.append((target, Path(source).read_bytes()))
    with staged() as stage:
        for path, data in [*outputs, *images]:
            stage(path).write_bytes(data)
    record = {f"{slug}.{fmt}": digest for slug, digest in zip(slugs, digests, strict=True) for fmt in formats}
    record.update({f"{ALL_SLUG}.{fmt}": whole for fmt in formats})
    live = {*slugs, ALL_SLUG}
    removed = _remove_gone(folder, before, live)
    # Other formats of decks still here stay on record: a later run in that format can skip them.
    kept = {name: d for name, d in before.items() if name.rsplit(".", 1)[0] in live and name not in record}
    atomic_write(out / STATE_NAME, json.dumps({"sheets": {**kept, **record}}, indent=1).encode())
    paths = [folder / f"{slug}.{fmt}" for slug in [*slugs, ALL_SLUG] for fmt in formats]
    return SheetRun(tuple(paths), tuple(path for path, _ in outputs), tuple(removed))


def _all_sheets(
    decks: Sequence[Deck], slugs: Sequence[str], made: dict[int, dict[str, bytes]], folder: Path,
    settings: SheetSettings,
) -> list[tuple[Path, bytes]]:  # fmt: skip
    """`all` in each format, from the decks' sheets just made or already on disk."""

    def part(fmt: str) -> list[bytes]:
        return [made[i][fmt] if i in made else (folder / f"{slug}.{fmt}").read_bytes() for i, slug in
                enumerate(slugs)]  # fmt: skip

    outputs = []
    for fmt in dict.fromkeys(settings.formats):
        if fmt == "html":
            data = combine_html(part("html"), settings)
        elif fmt == "pdf":
            data = join_pdfs(part("pdf"), f"Study sheets — {settings.built}")
        else:  # Markdown is cheap to lay out again, and a template may join decks its own way
            data = render_all_md(decks, slugs, settings)
        outputs.append((folder / f"{ALL_SLUG}.{fmt}", data))
    return outputs


def join_pdfs(parts: Sequence[bytes], title: str) -> bytes:
    """One PDF of `parts`' pages in order, with their links and bookmarks, titled `title`.

    The finished files are joined (pikepdf, on qpdf: a tenth of pypdf's time on the sample's
    278 decks), so nothing is laid out again; each deck keeps its own page numbers (decks start
    on a fresh sheet and are filed apart)."""
    import pikepdf

    joined = pikepdf.Pdf.new()
    sources = [pikepdf.Pdf.open(io.BytesIO(data)) for data in parts]
    with joined.open_outline() as outline:
        for source in sources:
            start = len(joined.pages)
            joined.pages.extend(source.pages)
            with source.open_outline() as theirs:
                outline.root.extend(_bookmark(item, source, start) for item in theirs.root)
    for key, value in sources[0].docinfo.items() if sources else ():
        joined.docinfo[key] = value
    joined.docinfo["/Title"] = title
    buffer = io.BytesIO()
    joined.save(buffer, deterministic_id=True)  # same decks, same bytes
    return buffer.getvalue()


def _bookmark(item: Any, source: Any, start: int) -> Any:
    """`item` of `source`'s outline, pointing at its page among the joined pages from `start`."""
    import pikepdf

    destination = item.destination
    page = 0
    if isinstance(destination, pikepdf.Array) and len(destination) > 0:
        page = source.pages.index(pikepdf.Page(destination[0]))
    copy = pikepdf.OutlineItem(item.title, start + page)
    copy.children.extend(_bookmark(child, source, start) for child in item.children)
    return copy


def _render_many(
    work: list[tuple[Deck, str]], settings: SheetSettings, jobs: int, progress: Progress | None
) -> Iterator[dict[str, bytes]]:
    """`render_deck` for each of `work`, in order; on worker processes when there is enough."""
    jobs = jobs or os.cpu_count() or 1
    if jobs <= 1 or len(work) < PARALLEL_FROM:
        for done, (deck, slug) in enumerate(work, 1):
            yield render_deck(deck, slug, settings)
            if progress:
                progress(done, len(work))
        return
    if "pdf" in settings.formats:
        import weasyprint  # noqa: F401  # loaded once, before forking, so the workers share it
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    results: list[dict[str, bytes]] = [{} for _ in work]
    pool = ProcessPoolExecutor(min(jobs, len(work)), mp_context=context, initializer=_start_worker,
                               initargs=(settings,))  # fmt: skip
    try:
        # The largest decks first, so no worker is left with a long one at the end.
        order = sorted(range(len(work)), key=lambda i: -len(work[i][0].cards))
        futures: dict[Future[dict[str, bytes]], int] = {pool.submit(_render_one, *work[i]): i for i in order}
        for done, future in enumerate(as_completed(futures), 1):
            results[futures[future]] = future.result()
            if progress:
                progress(done, len(work))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    yield from results


_worker_settings: SheetSettings | None = None


def _start_worker(settings: SheetSettings) -> None:
    """Paid once per worker: the settings, and a fresh font configuration (not the parent's)."""
    global _worker_settings
    _worker_settings = settings
    font_config.cache_clear()


def _render_one(deck: Deck, slug: str) -> dict[str, bytes]:
    assert _worker_settings is not None, "_start_worker runs first"
    return render_deck(deck, slug, _worker_settings)


def _settings_digest(settings: SheetSettings) -> str:
    """What every sheet depends on besides its deck: deckgen's code, the templates and layout.
    The build date is left out: a sheet whose cards did not change keeps the date it was made."""
    h = hashlib.sha256(cache.code_digest().encode())
    h.update(repr((settings.paper, settings.columns, settings.layout, settings.qr)).encode())
    for folder in settings.folders:
        for path in sorted(folder.glob("*")) if folder.is_dir() else ():
            if path.is_file():
                h.update(f"\x1f{folder}/{path.name}\x1f".encode())
                h.update(path.read_bytes())
    return h.hexdigest()


def _deck_digest(base: str, deck: Deck, slug: str) -> str:
    """What one deck's sheet shows: its name, file name and each card's face and status."""
    h = hashlib.sha256(f"{base}\x1f{slug}\x1f{deck.name}".encode())
    for card in deck.cards:
        h.update(f"\x1e{card.face!r}\x1f{card.status}".encode())
    return h.hexdigest()


def _recorded(out: Path) -> dict[str, str]:
    """The sheets (file name → digest) the last run into `out` recorded, if readable."""
    try:
        sheets = json.loads((out / STATE_NAME).read_text(encoding="utf-8")).get("sheets")
    except (OSError, ValueError, AttributeError):
        return {}
    return {str(k): str(v) for k, v in sheets.items()} if isinstance(sheets, dict) else {}


def _remove_gone(folder: Path, before: dict[str, str], live: set[str]) -> list[Path]:
    """Delete recorded sheets whose deck is gone; only names deckgen recorded are touched."""
    removed = []
    for name in sorted(before):
        path = folder / name
        if name.rsplit(".", 1)[0] not in live and path.name == name and path.is_file():
            path.unlink()
            removed.append(path)
    return removed
