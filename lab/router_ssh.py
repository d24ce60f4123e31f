"""The router's SSH server: the shell SSH server (lab/ssh_shell.py) hosting the VyOS CLI
emulator, run inside the router namespace.

    ip netns exec bgplab-vyos python -m lab.router_ssh --inventory inventory/lab
"""

from __future__ import annotations

import argparse
from pathlib import Path

from lab.ssh_shell import Auth, LineDiscipline, ShellFactory, ShellLike, crlf, serve

__all__ = ["Auth", "LineDiscipline", "ShellFactory", "ShellLike", "crlf", "main", "serve"]


def main(argv: list[str] | None = None) -> None:
    from lab.router_service import run_router_service

    parser = argparse.ArgumentParser(description="SSH server of the twin's router")
    parser.add_argument("--inventory", type=Path, default=Path("inventory/lab"))
    parser.add_argument("--port", type=int, default=22)
    parser.add_argument("--bare", action="store_true", help="start without BGP configuration")
    args = parser.parse_args(argv)
    run_router_service(args.inventory, args.port, bgp=not args.bare)


if __name__ == "__main__":
    main()
