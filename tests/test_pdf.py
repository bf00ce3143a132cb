"""Cutting and joining finished PDFs: decks laid out together and cut apart give each deck the
pages, bookmarks, named places, links and title it has when laid out alone."""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf
import pypdf

from deckgen.write.filenames import deck_slugs
from deckgen.write.pdf import join_pdfs, split_pdf
from deckgen.write.sheet import SheetSettings, render_deck, render_decks
from test_write_sheet import BUILT, TEMPLATES, attention_deck, llm_deck, squash, tokens_deck

SETTINGS = SheetSettings((TEMPLATES,), BUILT.isoformat(), formats=("pdf",))


def read(data: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(data))


def shape(data: bytes) -> dict[str, object]:
    """What a reader sees of a PDF: each page's text and links, the bookmarks with their pages, the
    named places with their pages, the title and the language."""
    pdf = read(data)
    bookmarks = [
        (str(o.title), pdf.get_destination_page_number(o)) for o in pdf.outline if not isinstance(o, list)
    ]
    places = {str(name): pdf.get_destination_page_number(d) for name, d in pdf.named_destinations.items()}
    actions = [[a.get_object().get("/A", {}) for a in page.get("/Annots", [])] for page in pdf.pages]
    links = [[action["/URI"] for action in page if "/URI" in action] for page in actions]
    return {
        "text": [squash(page.extract_text()) for page in pdf.pages],
        "links": links,
        "bookmarks": bookmarks,
        "places": places,
        "title": pdf.metadata.title if pdf.metadata else None,
        "lang": str(pdf.root_object.get("/Lang")),
    }


def test_decks_laid_out_together_read_as_when_laid_out_alone() -> None:
    decks = [llm_deck(40), attention_deck(), tokens_deck()]
    work = list(zip(decks, deck_slugs([d.name for d in decks]), strict=True))
    together = [made["pdf"] for made in render_decks(work, SETTINGS)]
    alone = [render_deck(deck, slug, SETTINGS)["pdf"] for deck, slug in work]
    assert len(read(together[0]).pages) > 1  # the long deck runs over several pages
    for mine, theirs in zip(together, alone, strict=True):
        assert shape(mine) == shape(theirs)
    assert all(shape(data)["places"] for data in together)  # each deck's `id` is a named place
    # Cut apart, each file holds only its own pages: no other deck's text is in it.
    assert squash("Attention") not in "".join(shape(together[2])["text"])  # type: ignore[arg-type]


def test_split_then_join_gives_the_same_pages() -> None:
    decks = [attention_deck(), tokens_deck()]
    work = list(zip(decks, deck_slugs([d.name for d in decks]), strict=True))
    parts = [made["pdf"] for made in render_decks(work, SETTINGS)]
    whole = join_pdfs(parts, "Both")
    again = split_pdf(whole, [len(read(p).pages) for p in parts], ["one", "two"])
    assert [shape(p)["text"] for p in again] == [shape(p)["text"] for p in parts]
    assert [shape(p)["title"] for p in again] == ["one", "two"]
    assert shape(whole)["bookmarks"] == [(b, 0) for b, _ in shape(parts[0])["bookmarks"]] + [  # type: ignore[attr-defined]
        (b, page + len(read(parts[0]).pages))
        for b, page in shape(parts[1])["bookmarks"]  # type: ignore[attr-defined]
    ]


def resources(data: bytes) -> dict[str, int]:
    """How many fonts, drawings and graphics states each kind of the pages' resources holds."""
    pdf = pikepdf.Pdf.open(io.BytesIO(data))
    found: dict[str, int] = {}
    for page in pdf.pages:
        for kind, held in page.obj.get("/Resources", {}).items():
            found[kind] = found.get(kind, 0) + len(held.keys()) if isinstance(held, pikepdf.Dictionary) else 0
    return found


def test_a_cut_file_carries_only_what_its_own_pages_draw_with() -> None:
    decks = [llm_deck(40), tokens_deck()]
    work = list(zip(decks, deck_slugs([d.name for d in decks]), strict=True))
    short = render_decks(work, SETTINGS)[1]["pdf"]
    assert resources(short) == resources(render_deck(*work[1], SETTINGS)["pdf"])
    assert len(pikepdf.Pdf.open(io.BytesIO(short)).pages) == 1


def test_each_cut_file_holds_its_own_images_and_no_other_decks(tmp_path: Path) -> None:
    from deckgen.build import build
    from deckgen.build.options import BuildOptions
    from deckgen.config import Config
    from test_media import NOW, vault

    result = build([vault(tmp_path)], tmp_path / "out", Config(), NOW, BuildOptions(write=False))
    pictured = next(d for d in result.decks if any(c.files for c in d.cards))
    decks = [tokens_deck(), pictured, attention_deck()]
    work = list(zip(decks, deck_slugs([d.name for d in decks]), strict=True))
    together = [made["pdf"] for made in render_decks(work, SETTINGS)]

    def images(data: bytes) -> list[bytes]:
        return [image.data for page in read(data).pages for image in page.images]

    alone = images(render_deck(*work[1], SETTINGS)["pdf"])
    assert len(alone) >= 2 and sorted(images(together[1])) == sorted(alone)
    assert images(together[0]) == [] and images(together[2]) == []
