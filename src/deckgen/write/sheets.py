"""Writing every study sheet of a run: decks rendered in parallel, unchanged ones skipped, `all`
made from the decks' own sheets, and a record of what was written.

Laying out a PDF is the cost (WeasyPrint: layout, then font subsetting, per file), so decks are
rendered in batches on worker processes (each deck laid out on its own, the batch's PDFs written
as one file and cut apart), and `all.pdf` is the decks' PDFs joined page by page.
`out/.deckgen-sheets.json` keeps a digest per sheet file of what it was made from (the deck's
cards, the layout settings, the templates, deckgen's code), as `state.py` does for packages: a
sheet whose digest is unchanged and whose file is there is not written again.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import multiprocessing
import os
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .. import files
from ..cards import render
from ..files import atomic_write, staged
from ..model import Deck, Progress
from .filenames import ALL_SLUG, deck_slugs
from .pdf import join_pdfs
from .sheet import (
    MEDIA_DIR,
    SHEET_DIR,
    SheetSettings,
    check_options,
    combine_html,
    font_config,
    render_all_md,
    render_decks,
)

STATE_NAME = ".deckgen-sheets.json"
BATCH_CARDS = 150
"""About how many cards' decks are laid out before their PDFs are written as one file and cut
apart (`render_decks`): fonts are subset once per batch, and a batch's layout is held until then
(about a megabyte a card). A batch is also the unit of work of a worker process."""


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
        for name, data in render.media_files(c for d in decks for c in d.cards).items():
            if not (target := folder / MEDIA_DIR / name).is_file():
                images.append((target, data))
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


def _render_many(
    work: list[tuple[Deck, str]], settings: SheetSettings, jobs: int, progress: Progress | None
) -> Iterator[dict[str, bytes]]:
    """`render_decks` for each of `work`, in order, a batch at a time; on worker processes when
    there is more than one batch. The batches do not depend on `jobs`: the same decks, the same
    files."""
    batches = _batches(work)
    jobs = jobs or os.cpu_count() or 1
    if jobs <= 1 or len(batches) < 2:
        done = 0
        for batch in batches:
            yield from render_decks(batch, settings)
            done += len(batch)
            if progress:
                progress(done, len(work))
        return
    if "pdf" in settings.formats:
        import weasyprint  # noqa: F401  # loaded once, before forking, so the workers share it
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    results: list[list[dict[str, bytes]]] = [[] for _ in batches]
    pool = ProcessPoolExecutor(min(jobs, len(batches)), mp_context=context, initializer=_start_worker,
                               initargs=(settings,))  # fmt: skip
    try:
        # The largest batches first, so no worker is left with a long one at the end.
        order = sorted(range(len(batches)), key=lambda i: -sum(len(deck.cards) for deck, _ in batches[i]))
        futures = {pool.submit(_render_batch, batches[i]): i for i in order}
        done = 0
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            done += len(results[futures[future]])
            if progress:
                progress(done, len(work))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    for batch_result in results:
        yield from batch_result


def _batches(work: list[tuple[Deck, str]]) -> list[list[tuple[Deck, str]]]:
    """`work` in runs of neighbouring decks of about `BATCH_CARDS` cards together."""
    batches: list[list[tuple[Deck, str]]] = []
    cards = 0
    for item in work:
        if not batches or cards + len(item[0].cards) > BATCH_CARDS:
            batches.append([])
            cards = 0
        batches[-1].append(item)
        cards += len(item[0].cards)
    return batches


_worker_settings: SheetSettings | None = None


def _start_worker(settings: SheetSettings) -> None:
    """Paid once per worker: the settings, and a fresh font configuration (not the parent's)."""
    global _worker_settings
    _worker_settings = settings
    font_config.cache_clear()


def _render_batch(batch: list[tuple[Deck, str]]) -> list[dict[str, bytes]]:
    assert _worker_settings is not None, "_start_worker runs first"
    return render_decks(batch, _worker_settings)


def _settings_digest(settings: SheetSettings) -> str:
    """What every sheet depends on besides its deck: deckgen's code, the templates and layout.
    The build date is left out: a sheet whose cards did not change keeps the date it was made."""
    h = hashlib.sha256(files.code_digest().encode())
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


def write_sheets(
    decks: Sequence[Deck],
    out: Path,
    *,
    templates: Path | Sequence[Path],
    built: datetime.date,
    paper: Literal["a4", "letter"] = "a4",
    columns: int = 1,
    layout: Literal["fold", "key"] = "fold",
    qr: bool = True,
    formats: Sequence[Literal["html", "pdf", "md"]] = ("html", "pdf"),
    jobs: int = 0,
) -> list[Path]:
    """Write `out/sheets/<slug>.<ext>` per deck and `all.<ext>`; return their paths (each deck's
    formats in order, then `all`'s). Sheets whose deck did not change are not written again.

    `templates` is a folder, or folders searched in order (a user's, then the built-in one)."""
    folders = (templates,) if isinstance(templates, Path) else tuple(templates)
    check_options(paper, columns, layout, formats)
    settings = SheetSettings(folders, built.isoformat(), paper, columns, layout, qr, tuple(formats))
    return list(write_all(decks, out, settings, jobs=jobs).paths)
