"""Reading notes: one Markdown file → one `Note`.

- `intake`: the file → its text (size, encoding, binary files, links, pipes);
- `markdown` (with `inline`): the text → blocks, the only markdown-it-py user, behind the
  `parser.Parser` interface so that another parser can replace it;
- `frontmatter`, `stamps`: the YAML front matter, and timestamps in text;
- `reader`: puts them together.
"""

from .intake import MAX_NOTE_BYTES
from .reader import parse_note, read_note
from .stamps import format_time, parse_time

__all__ = ["MAX_NOTE_BYTES", "format_time", "parse_note", "parse_time", "read_note"]
