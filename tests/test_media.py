"""Images on cards: found as Obsidian finds them, bundled once under a hash of their bytes,
shown at their size in real Anki; a missing image is a warning, and nothing outside the vault
is ever bundled."""

from __future__ import annotations

import hashlib
import json
import os
import struct
import zipfile
import zlib
from pathlib import Path

import pypdf
import pytest

from anki_check import import_apkg, open_collection, snapshot
from deckgen.build import BuildOptions, build
from deckgen.cards.render import answer_html, question_html
from deckgen.config import Config
from deckgen.model import Face, Image
from deckgen.notes import read_note
from deckgen.notes.media import find_vault
from deckgen.write.sheet import SheetSettings
from deckgen.write.sheets import write_all

NOW = 1_750_000_000
TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def png(r: int, g: int, b: int) -> bytes:
    """A valid 1x1 PNG of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8-bit RGB
    pixels = zlib.compress(bytes([0, r, g, b]))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


PNG, OTHER = png(200, 30, 30), png(30, 30, 200)
NOTE = """\
#flashcards

What does the heart pump? :: blood ![[heart.png|300]]

Which valve is this? :: ![valve](../attachments/valve.png)

Shown twice? :: again ![[heart.png|300]]

Gone? :: ![[gone.png]]

Escapes by dots? :: ![x](../../secret.png)

Escapes by a link? :: ![[linked.png]]

Escapes by an absolute path? :: ![x]({secret})
"""


def vault(tmp_path: Path) -> Path:
    """An Obsidian vault: `.obsidian/`, a note in `notes/`, images in `attachments/`; a file
    outside it and a symbolic link from inside it to that file."""
    root = tmp_path / "vault"
    (root / ".obsidian").mkdir(parents=True)
    (root / "notes").mkdir()
    (root / "attachments").mkdir()
    (root / "attachments" / "heart.png").write_bytes(PNG)
    (root / "attachments" / "valve.png").write_bytes(OTHER)
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"not for sharing")
    os.symlink(secret, root / "attachments" / "linked.png")
    (root / "notes" / "heart.md").write_text(NOTE.format(secret=secret), encoding="utf-8")
    return root


def name_of(data: bytes, suffix: str = ".png") -> str:
    return hashlib.sha256(data).hexdigest()[:20] + suffix


def test_the_vault_is_the_folder_holding_obsidian(tmp_path: Path) -> None:
    root = vault(tmp_path)
    assert find_vault(root / "notes" / "heart.md", root / "notes") == root.resolve()
    plain = tmp_path / "plain"
    (plain / "a").mkdir(parents=True)
    assert find_vault(plain / "a" / "n.md", plain) == plain.resolve()


def test_images_are_found_and_the_rest_are_warnings_naming_the_line(tmp_path: Path) -> None:
    root = vault(tmp_path)
    note = read_note(root / "notes" / "heart.md", "notes/heart.md", "notes")
    found = {image.ref: (image.name, image.width, Path(path).name) for image, path in note.media}
    assert found == {
        "heart.png|300": (name_of(PNG), "300", "heart.png"),  # by name, anywhere in the vault
        "../attachments/valve.png": (name_of(OTHER), "", "valve.png"),  # relative to the note
    }
    warnings = {p.source.line: p.message for _, p in note.unbundled}
    assert "'gone.png' not found" in warnings[9]
    for line in (11, 13, 15):  # ../, a symbolic link, an absolute path
        assert "outside the vault" in warnings[line] and "not bundled" in warnings[line]
    assert all(p.source.path == "notes/heart.md" for _, p in note.unbundled)


def test_a_missing_image_is_a_warning_only_when_a_card_shows_it(tmp_path: Path) -> None:
    root = vault(tmp_path)
    (root / "notes" / "prose.md").write_text("Prose with a picture ![[nowhere.png]].\n", encoding="utf-8")
    result = build([root], tmp_path / "out", Config(), NOW, BuildOptions(write=False))
    lines = sorted((p.source.path, p.source.line) for p in result.problems)
    assert lines == [("notes/heart.md", n) for n in (9, 11, 13, 15)]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    tmp = tmp_path_factory.mktemp("media")
    root = vault(tmp)
    result = build([root], tmp / "out", Config(), NOW)
    [apkg] = result.outputs
    col = open_collection(tmp / "col" / "collection.anki2")
    try:
        import_apkg(col, apkg)
        snap = snapshot(col, render=True)
        media = {p.name: p.read_bytes() for p in Path(col.media.dir()).iterdir()}
    finally:
        col.close()
    return {"result": result, "apkg": apkg, "snap": snap, "media": media}


def test_each_image_is_bundled_once_and_nothing_from_outside(built: dict[str, object]) -> None:
    apkg = built["apkg"]
    assert isinstance(apkg, Path)
    with zipfile.ZipFile(apkg) as z:
        names = json.loads(z.read("media"))
        bundled = {name: z.read(member) for member, name in names.items()}
    assert bundled == {name_of(PNG): PNG, name_of(OTHER): OTHER}  # heart.png shown twice, stored once
    assert b"not for sharing" not in apkg.read_bytes()


def test_images_are_in_the_collection_and_shown_at_their_size(built: dict[str, object]) -> None:
    media, snap = built["media"], built["snap"]
    assert isinstance(media, dict) and isinstance(snap, dict)
    assert media == {name_of(PNG): PNG, name_of(OTHER): OTHER}
    answers = {n["fields"]["Question"]: n["cards"][0]["answer"] for n in snap["notes"].values()}
    heart = answers["What does the heart pump?"]
    assert f'<img src="{name_of(PNG)}" alt="heart.png" width="300">' in heart
    assert f'<img src="{name_of(OTHER)}" alt="valve.png">' in answers["Which valve is this?"]
    # a card still builds when its image is missing or refused; the image stays a short text
    assert "[image: gone.png]" in answers["Gone?"]
    assert "[image: secret.png]" in answers["Escapes by dots?"] and "<img" not in answers["Escapes by dots?"]
    assert len(snap["notes"]) == 7


def face(src: str) -> Face:
    return Face("definition", "D", (), "T", (), "", "Q [image: a.png]", "A [image: a.png]",
                media=(Image("a.png", src),))  # fmt: skip


def test_an_image_src_is_only_ever_a_bundled_name() -> None:
    good = name_of(PNG)
    assert f'<img src="{good}" alt="a.png">' in answer_html(face(good))
    for bad in ("https://evil.example/x.png", "data:image/png;base64,AAAA", "javascript:alert(1)",
                "../../etc/passwd", '" onerror="alert(1)'):  # fmt: skip
        html = question_html(face(bad)) + answer_html(face(bad))
        assert "evil" not in html and "data:" not in html and "javascript" not in html
        assert "passwd" not in html and "onerror" not in html and "<img" not in html


def test_sheets_show_the_same_images(tmp_path: Path) -> None:
    root = vault(tmp_path)
    result = build([root], tmp_path / "out", Config(), NOW, BuildOptions(write=False))
    settings = SheetSettings((TEMPLATES,), "2024-05-01", formats=("html", "pdf"))
    run = write_all(result.decks, tmp_path / "out", settings, jobs=1)
    folder = tmp_path / "out" / "sheets"
    html = next(p for p in run.paths if p.suffix == ".html" and p.stem != "all").read_text("utf-8")
    assert f'<img src="media/{name_of(PNG)}" alt="heart.png" width="300">' in html
    assert (folder / "media" / name_of(PNG)).read_bytes() == PNG
    assert (folder / "media" / name_of(OTHER)).read_bytes() == OTHER
    assert not any(b"not for sharing" in p.read_bytes() for p in folder.rglob("*") if p.is_file())
    pdf = next(p for p in run.paths if p.suffix == ".pdf" and p.stem != "all")
    images = [image for page in pypdf.PdfReader(pdf).pages for image in page.images]
    assert len(images) >= 2  # heart.png (on two cards) and valve.png are drawn on the page


def test_a_writing_build_warns_and_bundles_as_a_dry_run_does(tmp_path: Path) -> None:
    root = vault(tmp_path)
    result = build([root], tmp_path / "out", Config(), NOW, BuildOptions(lock=tmp_path / "deckgen.lock"))
    assert sorted(p.source.line for p in result.problems) == [9, 11, 13, 15]
    with zipfile.ZipFile(result.outputs[0]) as z:
        assert sorted(json.loads(z.read("media")).values()) == sorted([name_of(PNG), name_of(OTHER)])


def test_a_bare_logseq_folder_is_no_vault_and_text_is_no_embed(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "logseq").mkdir(parents=True)  # a graph kept at ~/logseq: not the vault of ~/notes
    (home / "notes").mkdir()
    (home / ".aws").mkdir()
    (home / ".aws" / "credentials").write_text("secret")
    (home / "Pictures").mkdir()
    (home / "Pictures" / "private.png").write_bytes(PNG)
    note = "#flashcards\n\nQ1::![[../Pictures/private.png]]\n\nQ2::[image: ../.aws/credentials]\n"
    (home / "notes" / "n.md").write_text(note, encoding="utf-8")
    assert find_vault(home / "notes" / "n.md", home / "notes") == (home / "notes").resolve()
    (home / "logseq" / "config.edn").write_text("{}")
    assert find_vault(home / "notes" / "n.md", home / "notes") == home.resolve()
    (home / "logseq" / "config.edn").unlink()
    result = build([home / "notes"], tmp_path / "out", Config(), NOW)
    with zipfile.ZipFile(result.outputs[0]) as z:
        assert json.loads(z.read("media")) == {}
    assert {p.source.line for p in result.problems} == {3, 5}


def test_a_deleted_image_does_not_stop_the_next_build(tmp_path: Path) -> None:
    root = vault(tmp_path)
    lock = tmp_path / "deckgen.lock"
    build([root], tmp_path / "out", Config(), NOW, BuildOptions(lock=lock))
    (root / "attachments" / "valve.png").unlink()
    (root / "notes" / "more.md").write_text("#flashcards\n\nAnother::card\n", encoding="utf-8")
    result = build([root], tmp_path / "out", Config(), NOW + 10, BuildOptions(lock=lock))
    with zipfile.ZipFile(result.outputs[0]) as z:
        assert sorted(json.loads(z.read("media")).values()) == [name_of(PNG)]


def media_names(package: Path) -> set[str]:
    with zipfile.ZipFile(package) as z:
        return set(json.loads(z.read("media")).values())


def test_an_image_replaced_under_its_name_reaches_the_next_build_and_its_cards(tmp_path: Path) -> None:
    """The cache and the last build's records are keyed by the note's bytes; an image the note
    embeds is looked at too, so a new picture under the old name is a changed card."""
    root = vault(tmp_path)
    out, lock = tmp_path / "out", tmp_path / "deckgen.lock"
    first = build([root], out, Config(), NOW, BuildOptions(lock=lock))
    assert media_names(first.outputs[0]) == {name_of(PNG), name_of(OTHER)}

    heart, green = root / "attachments" / "heart.png", png(30, 200, 30)
    heart.write_bytes(green)
    os.utime(heart, ns=(heart.stat().st_atime_ns, heart.stat().st_mtime_ns + 10**9))
    dry = build([root], out, Config(), NOW + 60, BuildOptions(lock=lock, write=False))
    shown = {image.name for d in dry.decks for c in d.cards for image in c.face.media}
    assert shown == {name_of(green), name_of(OTHER)}  # a dry run does not take the old reading

    second = build([root], out, Config(), NOW + 60, BuildOptions(lock=lock))
    assert media_names(second.outputs[0]) == {name_of(green), name_of(OTHER)}
    changed = [c for c in second.plan.changes if c.action == "changed"]
    assert len(changed) == 2  # the two cards that show the heart
    with zipfile.ZipFile(second.outputs[0]) as z:
        assert any(green == z.read(number) for number in json.loads(z.read("media")))

    third = build([root], out, Config(), NOW + 120, BuildOptions(lock=lock))
    assert not [c for c in third.plan.changes if c.action != "unchanged"]
    assert third.outputs == second.outputs
