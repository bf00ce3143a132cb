"""The build: find the notes, skip the settled ones, run every other note through the stages
(notes → rules → rank → cards → identity) and hand the result to a sink (packages and the lock,
or memory for a dry run)."""

from .options import BuildOptions
from .run import BuildResult, build

__all__ = ["BuildOptions", "BuildResult", "build"]
