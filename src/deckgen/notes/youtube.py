"""YouTube links in every form people paste: the video they name and the moment they start at.

`watch?v=ID&t=557s`, `youtu.be/ID?t=557`, `t=1h2m3s`, `start=557`, `#t=01:14:57`, `/embed/ID`,
`/shorts/ID`, `/live/ID`.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from .stamps import parse_time

VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com", "youtube-nocookie.com",
          "www.youtube-nocookie.com"}  # fmt: skip
_PATH_ID = re.compile(r"/(?:embed|shorts|live|v)/([^/?#]+)")
_HMS = re.compile(r"(?:(\d{1,3})h)?(?:(\d{1,4})m)?(?:(\d{1,6})s?)?")


def youtube_id(url: str) -> str:
    """The video ID a YouTube URL names; '' for any other URL (or a malformed ID)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return ""
    host = (parts.hostname or "").lower()
    if host == "youtu.be":
        found = parts.path.strip("/").split("/")[0]
    elif host in _HOSTS:
        m = _PATH_ID.match(parts.path)
        found = m.group(1) if m else parse_qs(parts.query).get("v", [""])[0]
    else:
        return ""
    return found if VIDEO_ID.fullmatch(found) else ""


def youtube_time(url: str) -> int | None:
    """The second a YouTube URL starts at (`t=`, `start=`, `#t=`), or None when it names none."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    query = parse_qs(parts.query) | parse_qs(parts.fragment)
    value = (query.get("t") or query.get("start") or [""])[0].strip()
    if not value:
        return None
    if ":" in value:
        return parse_time(value)
    m = _HMS.fullmatch(value)
    if not m or not any(m.groups()):
        return None
    h, mins, s = (int(g) if g else 0 for g in m.groups())
    return h * 3600 + mins * 60 + s


_URL = re.compile(r"https?://[^\s()<>\[\]\"'`|]+")
"""A URL as notes write it: bare, in `[title](url)`, `<url>` or `![](url)`."""


def linked_videos(text: str) -> tuple[str, ...]:
    """The YouTube videos `text` links to as a whole (`> **Video:** [title](https://youtu.be/ID)`),
    each once, in order; a link to a moment (`&t=557`) is the stamp of that moment, not one."""
    found = (m.group(0) for m in _URL.finditer(text) if "youtu" in m.group(0))
    return tuple(dict.fromkeys(v for url in found if (v := youtube_id(url)) and youtube_time(url) is None))
