"""The `jes` command, the registry of JES modules (registry.MODULES) and the one runtime.

Kept light: importing it imports no service; the runtime loads the modules it starts.
"""

from __future__ import annotations

from jes_platform.registry import MODULES, Module, RegistryError, resolve, targets

__all__ = ["MODULES", "Module", "RegistryError", "main_for", "resolve", "targets"]


def main_for(name: str) -> None:
    """`python -m jes_<service>`: exactly `jes run --target=<service>`."""
    from jes_platform.runtime import main_for as run_main

    run_main(name)
