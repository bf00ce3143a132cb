"""Hand-written cards look as in Obsidian: their Markdown rendered, a few harmless tags kept,
everything else escaped; on Anki cards and on every kind of sheet."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from anki_check import import_apkg, open_collection, render_problems, snapshot
from conftest import active_content
from deckgen import cli
from deckgen.build import build
from deckgen.cards import render
from deckgen.config import Config, load_config
from deckgen.errors import ConfigError
from deckgen.identity.match import content_hash
from deckgen.model import Face, TextForm
from deckgen.write.sheet import html_to_markdown

FIXTURES = Path(__file__).parent / "fixtures" / "written"
CASES: list[dict[str, str]] = yaml.safe_load((FIXTURES / "render.yaml").read_text("utf-8"))
STATES = "<ul>\n<li>solid</li>\n<li>liquid</li>\n<li><em>gas</em></li>\n</ul>"
BRIDGE = ("It keeps both half-cells neutral", "by letting ions flow between them")
SALT = "Dissolving salt in water is {{c1::endothermic}} for <em>most</em> salts.<br>Heat is taken in."
HOSTILE = ("<script", "<img", "<a ", "<b ", "<iframe")
"""The tags the fixture's second card writes, which must reach Anki as text only."""


def face(text: str, markdown: TextForm = "breaks", kind: Any = "basic") -> Face:
    return Face(kind=kind, deck="D", tags=(), title="T", section=(), lead="", question="Q?", answer=text,
                markdown=markdown)  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_written_markdown_renders_as_obsidian_shows_it(case: dict[str, str]) -> None:
    form: TextForm = "strict" if case.get("markdown") == "strict" else "breaks"
    assert render.answer_html(face(case["text"], form)) == case["html"]


def test_generated_cards_stay_escaped_whole() -> None:
    text = "H<sub>2</sub>O **bold**</br>- item"
    generated = face(text, "", "definition")
    assert render.answer_html(generated) == "H&lt;sub&gt;2&lt;/sub&gt;O **bold**&lt;/br&gt;- item"
    assert render.answer_html(replace(generated, kind="basic", markdown="breaks")) == (
        "H<sub>2</sub>O <strong>bold</strong><br>- item"
    )


def fields(tmp_path: Path, app: dict[str, object] | None = None) -> dict[str, dict[str, str]]:
    """The fixture vault built and imported into a real collection: each note's fields, by its
    first field's start (the question, or a cloze's text)."""
    vault = tmp_path / "vault"
    shutil.copytree(FIXTURES / "vault", vault)
    if app is not None:
        (vault / ".obsidian" / "app.json").write_text(json.dumps(app), encoding="utf-8")
    result = build([vault], tmp_path / "out", load_config(None, notes=[vault]), 1_000)
    col = open_collection(tmp_path / "c.anki2")
    for package in result.outputs:
        import_apkg(col, package)
    assert render_problems(col) == []
    snap = snapshot(col, render=True)
    notes = snap["notes"].values()
    styles = [f"<style>{t['css']}</style>" for t in snap["notetypes"].values()]
    for note in notes:
        for card in note["cards"]:
            shown = card["question"] + card["answer"]
            for style in styles:  # the cards' own stylesheet
                shown = shown.replace(style, "")
            assert active_content(shown) == []
    col.close()
    return {next(iter(n["fields"].values()))[:12]: n["fields"] for n in notes}


def test_written_cards_reach_anki_rendered_with_only_the_kept_tags(tmp_path: Path) -> None:
    got = fields(tmp_path)
    assert got["Which ions d"]["Answer"] == (
        "Na<sup>+</sup> and Cl<sup>-</sup><br>both <em>mobile</em><br>both <b>charged</b>"
    )
    water = got["What is the "]["Answer"]
    assert water.startswith("H<sub>2</sub>O, not &lt;b onclick=")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in water
    assert not any(bad in water for bad in HOSTILE)  # each is shown as text, escaped
    assert "&lt;img src=x onerror=alert(2)&gt;" in water and "&lt;a href=" in water
    assert got["Name the thr"]["Answer"] == STATES
    table = got["Compare the "]["Answer"]
    assert table.startswith("<table>") and "<td>Na<sup>+</sup></td>" in table and "|" not in table
    assert got["What does a "]["Answer"] == "<br>".join(BRIDGE)
    assert got["Dissolving s"]["Text"] == SALT


def test_strict_line_breaks_in_the_vault_join_the_lines(tmp_path: Path) -> None:
    got = fields(tmp_path, {"strictLineBreaks": True})
    assert got["What does a "]["Answer"] == "\n".join(BRIDGE)
    assert "<br>" in got["Which ions d"]["Answer"]  # a <br> written out is still a break


def test_app_json_is_read_from_the_vaults_top_and_deckgen_yaml_wins(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    shutil.copytree(FIXTURES / "vault", vault)
    note = vault / "chemistry" / "ions.md"
    assert load_config(None, notes=[note]).strict_line_breaks is False
    (vault / ".obsidian" / "app.json").write_text('{"strictLineBreaks": true}', encoding="utf-8")
    assert load_config(None, notes=[note]).strict_line_breaks is True
    yaml_file = tmp_path / "deckgen.yaml"
    yaml_file.write_text("strict_line_breaks: false\n", encoding="utf-8")
    assert load_config(yaml_file, notes=[note]).strict_line_breaks is False
    assert load_config(None, notes=[tmp_path / "elsewhere.md"]) == Config()  # no vault, the default
    (vault / ".obsidian" / "app.json").write_text('{\n  "strictLineBreaks": tru\n}', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"app\.json:2: the Obsidian settings are not valid JSON"):
        load_config(None, notes=[note])


def test_sheets_show_the_same_rendering(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    shutil.copytree(FIXTURES / "vault", vault)
    out = tmp_path / "out"
    args = ["sheet", str(vault), "--out", str(out), "--format", "html,md"]
    result = CliRunner().invoke(cli.app, args)
    assert result.exit_code == 0, result.output
    [html] = (out / "sheets").glob("flashcards.html")
    page = html.read_text(encoding="utf-8")
    assert "Na<sup>+</sup> and Cl<sup>-</sup><br>both <em>mobile</em><br>both <b>charged</b>" in page
    assert "<li><em>gas</em></li>" in page and "<td>Na<sup>+</sup></td>" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert active_content(page.split("<body", 1)[1]) == []
    [md] = (out / "sheets").glob("flashcards.md")
    sheet = md.read_text(encoding="utf-8")
    assert "Na<sup>+</sup> and Cl<sup>-</sup><br>both *mobile*<br>both **charged**" in sheet
    assert "\n   - solid\n   - liquid\n   - *gas*\n" in sheet
    assert "\n   | salt | ion |\n   | --- | --- |\n   | NaCl | Na<sup>+</sup> |\n" in sheet
    assert "\\<script\\>alert(1)\\</script\\>" in sheet


def test_the_markdown_sheet_writes_a_list_cards_items_as_a_list() -> None:
    card = replace(face("beta", "", "list"), items=("alpha", "beta"))
    assert html_to_markdown(render.answer_html(card), 3) == "\n   1. alpha\n   2. **beta**"


def test_a_change_of_line_breaks_reaches_anki() -> None:
    """The form enters a hand-written card's content hash, so its new look updates the card."""
    card = face("first\nsecond")
    hashes = {content_hash(replace(card, markdown=m)) for m in ("", "breaks", "strict")}
    assert len(hashes) == 3
