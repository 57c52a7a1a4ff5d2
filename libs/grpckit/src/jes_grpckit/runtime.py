"""Process lifecycle: start components in order, stop them in reverse on SIGTERM/SIGINT."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from typing import Protocol

from prometheus_client import start_http_server

log = logging.getLogger("jes.runtime")


class Component(Protocol):
    def start(self) -> None: ...
    def stop(self) -> None: ...


class Runtime:
    def __init__(self, name: str):
        self.name = name
        self.components: list[Component] = []
        self.started: list[Component] = []
        self.stopped = threading.Event()

    def add(self, component: Component) -> Component:
        self.components.append(component)
        return component

    def start(self) -> None:
        try:
            for component in self.components:
                component.start()
                self.started.append(component)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        while self.started:
            component = self.started.pop()
            try:
                component.stop()
            except Exception:
                log.exception("error while stopping %r", component)
        self.stopped.set()

    def run_until_signal(self) -> None:
        """Start, block until SIGTERM or SIGINT, then stop gracefully."""
        stop_requested = threading.Event()

        def on_signal(signum: int, _frame: object) -> None:
            log.info("%s: received %s, stopping", self.name, signal.Signals(signum).name)
            stop_requested.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        self.start()
        stop_requested.wait()
        self.stop()


class MetricsServer:
    """Prometheus /metrics on its own port (distributed mode)."""

    def __init__(self, port: int, host: str = "127.0.0.1"):
        self.port = port
        self.host = host
        self._server: object | None = None

    def start(self) -> None:
        if self.port:
            server, _thread = start_http_server(self.port, addr=self.host)
            self._server = server

    def stop(self) -> None:
        shutdown: Callable[[], None] | None = getattr(self._server, "shutdown", None)
        if shutdown:
            shutdown()
