"""Writers: decks → `.apkg` packages (the only genanki user), study sheets (HTML, PDF, Markdown)."""
