"""A progress bar on stderr for runs longer than a second (never when stderr is not a terminal)."""

from __future__ import annotations

import sys
import time


class ProgressBar:
    """Callable as ``bar(done, goal)``; draws nothing until ``delay`` seconds have passed."""

    def __init__(self, stream=None, delay: float = 1.0, width: int = 30):
        self.stream = sys.stderr if stream is None else stream
        self.delay, self.width = delay, width
        self.start = time.monotonic()
        self.shown = False

    @classmethod
    def for_terminal(cls, quiet: bool) -> "ProgressBar | None":
        return None if quiet or not sys.stderr.isatty() else cls()

    def __call__(self, done: int, goal: int) -> None:
        elapsed = time.monotonic() - self.start
        if elapsed < self.delay:
            return
        filled = int(self.width * done / max(goal, 1))
        rate = done / elapsed
        self.stream.write(f"\r[{'#' * filled}{' ' * (self.width - filled)}] {done:,}/{goal:,} draws, {rate / 1e6:.1f}M/s ")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * (self.width + 60) + "\r")
            self.stream.flush()
