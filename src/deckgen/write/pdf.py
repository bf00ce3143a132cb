"""Finished PDF files cut apart and joined, with pikepdf (on qpdf), so nothing is laid out again.

Study sheets are laid out per deck, written several decks to one file (WeasyPrint subsets the fonts
once per file, which is most of a small deck's time) and cut into one file per deck here; `all.pdf`
is the decks' files joined. Either way each page keeps its links, bookmarks and named places.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any


def split_pdf(data: bytes, page_counts: Sequence[int], titles: Sequence[str]) -> list[bytes]:
    """`data` cut into files of `page_counts[i]` pages each, in order, the i-th titled `titles[i]`,
    each with the bookmarks and named places that point into its pages."""
    import pikepdf

    whole = pikepdf.Pdf.open(io.BytesIO(data))
    with whole.open_outline() as outline:
        items = [(_page_of(item, whole), item) for item in outline.root]
    places = _places(whole)
    parts = []
    start = 0
    for count, title in zip(page_counts, titles, strict=True):
        part = pikepdf.Pdf.new()
        part.pages.extend(whole.pages[start : start + count])
        part.remove_unreferenced_resources()  # pages share one resource dictionary
        if "/Lang" in whole.Root:
            part.Root.Lang = whole.Root.Lang
        pages = range(start, start + count)
        with part.open_outline() as theirs:
            theirs.root.extend(_bookmark(item, whole, -start) for page, item in items if page in pages)
        kept = [(name, page - start, rest) for name, page, rest in places if page in pages]
        if kept:
            tree = pikepdf.NameTree.new(part)
            for name, page, rest in kept:
                tree[name] = pikepdf.Array([part.pages[page].obj, *rest])
            part.Root.Names = pikepdf.Dictionary(Dests=tree.obj)
        parts.append(_save(part, whole.docinfo, title))
        start += count
    return parts


def join_pdfs(parts: Sequence[bytes], title: str) -> bytes:
    """One PDF of `parts`' pages in order, with their links and bookmarks, titled `title`.

    The finished files are joined (a tenth of pypdf's time on the sample's 278 decks); each deck
    keeps its own page numbers (decks start on a fresh sheet and are filed apart)."""
    import pikepdf

    joined = pikepdf.Pdf.new()
    sources = [pikepdf.Pdf.open(io.BytesIO(data)) for data in parts]
    with joined.open_outline() as outline:
        for source in sources:
            start = len(joined.pages)
            joined.pages.extend(source.pages)
            with source.open_outline() as theirs:
                outline.root.extend(_bookmark(item, source, start) for item in theirs.root)
    return _save(joined, sources[0].docinfo if sources else {}, title)


def _save(pdf: Any, info: Any, title: str) -> bytes:
    for key, value in info.items():
        pdf.docinfo[key] = value
    pdf.docinfo["/Title"] = title
    buffer = io.BytesIO()
    pdf.save(buffer, deterministic_id=True)  # same pages, same bytes
    return buffer.getvalue()


def _page_of(item: Any, source: Any) -> int:
    """The index in `source` of the page an outline item points at (0 when it points nowhere)."""
    import pikepdf

    destination = item.destination
    if isinstance(destination, pikepdf.Array) and len(destination) > 0:
        return int(source.pages.index(pikepdf.Page(destination[0])))
    return 0


def _bookmark(item: Any, source: Any, shift: int) -> Any:
    """`item` of `source`'s outline, pointing at its page moved by `shift`, with its children."""
    import pikepdf

    copy = pikepdf.OutlineItem(item.title, _page_of(item, source) + shift)
    copy.children.extend(_bookmark(child, source, shift) for child in item.children)
    return copy


def _places(source: Any) -> list[tuple[str, int, list[Any]]]:
    """The named places (`id`s) of `source`: name, page index and the rest of the destination."""
    import pikepdf

    names = source.Root.get("/Names")
    if names is None or "/Dests" not in names:
        return []
    found = []
    for name, destination in pikepdf.NameTree(names.Dests).items():
        if isinstance(destination, pikepdf.Array) and len(destination) > 0:
            page = source.pages.index(pikepdf.Page(destination[0]))
            found.append((str(name), int(page), list(destination)[1:]))
    return found
