"""Which formulas Anki's MathJax may typeset in a card, and every other backslash made inert.

Anki typesets `\\(…\\)` and `\\[…\\]` in every field with MathJax 3 (its settings turn off `$`,
environments outside math, `\\ref` and `\\$`). MathJax has commands that write links, styles,
classes, ids and attributes into the page (`\\href`, `\\style`, `\\bbox`, `\\mmlToken`, …), load
extensions (`\\require`) or define macros that expand to them, and a note may hold any of them. So a
formula is typeset only when every command in it is in `ALLOWED_TEX`; anywhere else in a field, a
backslash that could open a formula is put in an element of its own. MathJax reads math only within
one run of text (an element ends the run), so it finds no delimiter there, and nothing on screen
changes. A formula with one command outside the set therefore shows as the TeX its author wrote.
"""

from __future__ import annotations

import re
from html import unescape

_NAMED = (
    # Letters and symbols, sizes, fonts, fractions, roots, sums, integrals, limits, functions,
    # accents, arrows, relations, delimiters and spacing: each sets only glyphs and layout. Left out
    # on purpose, because they write links, attributes, styles or colours into the page, load code or
    # define macros: href, style, class, cssId, data, html, unicode, mmlToken, bbox, require, def,
    # newcommand, renewcommand, let, color, colorbox, fbox, boxed, enclose, tag, label, and the rest.
    """
    alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi
    pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta Theta
    Lambda Xi Pi Sigma Upsilon Phi Psi Omega
    frac dfrac tfrac binom dbinom tbinom sqrt over choose
    mathbf mathrm mathit mathsf mathtt mathcal mathbb mathfrak boldsymbol text textrm textbf textit
    operatorname mathop displaystyle textstyle scriptstyle limits nolimits
    tiny small normalsize large Large LARGE huge Huge
    sum prod coprod int iint iiint oint bigcup bigcap lim limsup liminf sup inf max min
    log ln lg exp sin cos tan cot sec csc arcsin arccos arctan sinh cosh tanh det dim ker gcd deg arg Pr
    left right middle big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr
    langle rangle lfloor rfloor lceil rceil vert Vert lvert rvert lVert rVert backslash
    times cdot div pm mp ast star circ bullet oplus ominus otimes oslash setminus wedge vee
    le leq ge geq neq ne approx equiv sim simeq cong propto ll gg prec succ preceq succeq
    in notin ni subset subseteq supset supseteq cup cap emptyset varnothing forall exists nexists
    neg lnot land lor mid nmid parallel perp angle infty partial nabla hbar ell Re Im aleph prime
    ldots cdots vdots ddots dots
    to gets rightarrow leftarrow Rightarrow Leftarrow leftrightarrow Leftrightarrow implies iff
    impliedby mapsto longrightarrow longleftarrow Longrightarrow Longleftarrow longmapsto uparrow
    downarrow Uparrow Downarrow rightleftharpoons xrightarrow xleftarrow
    hat bar vec dot ddot tilde widehat widetilde overline underline overbrace underbrace
    overrightarrow overleftarrow overset underset stackrel substack not
    quad qquad
    begin end ce
    """.split()
)
ALLOWED_TEX = frozenset(
    # and one-character commands: spaces, a new row, and characters TeX would read otherwise.
    [*_NAMED, ",", ";", ":", "!", " ", "\\", "{", "}", "|", "_", "%", "&", "#", "$"]
)
"""The TeX commands a formula on a card may use. `\\ce` (mhchem, which Anki loads) is here because
every command inside its argument is checked like any other."""

ALLOWED_ENVIRONMENTS = frozenset(
    "matrix pmatrix bmatrix Bmatrix vmatrix Vmatrix smallmatrix cases aligned gathered array".split()
)
"""The `\\begin{…}` environments a formula may use: matrices, cases, aligned rows."""

_PIECE = re.compile(
    r"""<(?:[^>"']|"[^"]*"|'[^']*')*>|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);?|[\s\S]"""
)
"""A field's HTML as MathJax's browser sees it: a tag, a character reference or a character."""
_BREAK = re.compile(r"<br\s*/?>", re.I)
"""The one tag MathJax reads inside a run of text (as a line break); every other tag ends a run."""
_BACKSLASH_REFERENCE = re.compile(r"&(?:#0*92(?!\d)|#[xX]0*5[cC](?![\da-fA-F])|bsol;)")
"""A character reference a browser reads as a backslash."""
_OPEN = re.compile(r"\\[(\[]")
_CLOSE = {"(": ")", "[": "]"}
_END = {c: re.compile(rf"\\\{c}|\\(?:[a-zA-Z]|[^\n\r\u2028\u2029])|[{{}}]") for c in _CLOSE.values()}
"""MathJax's search for a formula's end (`FindTeX.endPattern`): the closing delimiter outside
braces, stepping over escaped characters."""
_TOKEN = re.compile(r"\\(?:([a-zA-Z]+)|([^\n\r\u2028\u2029])|$)|[{}]", re.M)
_ENVIRONMENT = re.compile(r"\s*\{([^{}]*)\}")
INERT = "<span>{}</span>"
"""How a backslash outside an allowed formula is written: in an element of its own."""


def allowed(latex: str) -> bool:
    """Whether every command in `latex` (a formula without its delimiters) is in `ALLOWED_TEX`
    and its braces pair up."""
    depth = 0
    for m in _TOKEN.finditer(latex):
        name = m.group(1) or m.group(2)
        if m.group() == "{":
            depth += 1
        elif m.group() == "}":
            depth -= 1
            if depth < 0:
                return False
        elif name not in ALLOWED_TEX:  # None: a backslash at the end or before a line break
            return False
        elif name in ("begin", "end"):
            environment = _ENVIRONMENT.match(latex, m.end())
            if environment is None or environment.group(1).strip() not in ALLOWED_ENVIRONMENTS:
                return False
    return depth == 0


def guard(html: str) -> str:
    """A field's HTML with every `\\(…\\)` and `\\[…\\]` that is not an allowed formula made inert
    (see the module's docstring). Applying it twice adds nothing."""
    if "\\" not in html and not _BACKSLASH_REFERENCE.search(html):  # most fields: nothing to do
        return html
    out: list[str] = []
    run: list[str] = []
    for piece in _PIECE.findall(html):
        if piece.startswith("<") and not _BREAK.fullmatch(piece):
            out += _guard_run(run, last=False)
            out.append(piece)
            run = []
        else:
            run.append(piece)
    return "".join(out + _guard_run(run, last=True))


def _guard_run(pieces: list[str], *, last: bool) -> list[str]:
    """One run of text's pieces, the backslash of each opening delimiter outside an allowed
    formula wrapped in `INERT`; in the `last` run, also a backslash that ends it (what follows the
    field, or a cloze deletion's text, could complete it)."""
    text, owner = "", []
    for i, piece in enumerate(pieces):
        shown = "\n" if piece.startswith("<") else unescape(piece)
        text += shown
        owner += [i] * len(shown)
    inert: set[int] = set()
    at = 0
    while m := _OPEN.search(text, at):
        end = _formula_end(text, m.end(), _CLOSE[m.group()[1]])
        if end is not None and allowed(text[m.end() : end - 2]) and _whole(owner, m.start(), end):
            at = end
            continue
        inert.add(owner[m.start()])
        at = m.end()
    if last and text.endswith("\\"):
        inert.add(owner[-1])
    return [INERT.format(p) if i in inert else p for i, p in enumerate(pieces)]


def _formula_end(text: str, start: int, close: str) -> int | None:
    """Where the formula opened before `start` ends, found as MathJax finds it; None if open."""
    braces = 0
    for m in _END[close].finditer(text, start):
        if m.group() == f"\\{close}" and braces == 0:
            return m.end()
        if m.group() == "{":
            braces += 1
        elif m.group() == "}" and braces:
            braces -= 1
    return None


def _whole(owner: list[int], start: int, end: int) -> bool:
    """Whether the characters start..end are whole pieces of the HTML (no character reference split)."""
    return (start == 0 or owner[start - 1] != owner[start]) and (
        end == len(owner) or owner[end - 1] != owner[end]
    )
