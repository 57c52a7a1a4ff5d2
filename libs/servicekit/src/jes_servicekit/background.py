"""The services' background thread: a round of work, then a sleep until notify(), the
round's wait or stop(). Defined in jes_events (whose relay and consumer run on it too)."""

from jes_events.background import BackgroundLoop, doubling

__all__ = ["BackgroundLoop", "doubling"]
