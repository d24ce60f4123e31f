"""python -m runbooks.lab up|down|status|exec: the local twin (network namespaces, real FRR).

    python -m runbooks.lab up [--inventory inventory/lab] [--preconfigured [--no-peer]
                              [--bare-router] [--no-wait]]
    python -m runbooks.lab status [--json]
    python -m runbooks.lab exec c01 -- curl -s http://198.18.100.10/
    python -m runbooks.lab exec worker01 -- dpkg-query -W kubelet   # in the node, as ubuntu
    python -m runbooks.lab down [--purge]

`up` starts the twin like the write-up's freshly created VMs, so that
`python -m runbooks.deploy --inventory inventory/lab` has all its work to do: the router has
its interfaces but no BGP configuration, the node speakers are not peered, the nodes are not
bootstrapped (swap on, no CRI-O, no kubeadm) and there is no cluster. `--preconfigured` starts
it converged instead (router BGP configured, speakers peered, sessions Established; the nodes
still fresh), for tests and benchmarks of the network alone. Any `up` that builds resets the
nodes; `up` on a healthy twin changes nothing, whichever way it was started.

Exit codes: 0 ok, 1 failure, 2 bad input (not root, no `lab:` in the inventory, unknown host,
missing Debian packages).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence

from rich.console import Console

from bgplb.cli import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_OK,
    Parser,
    consoles,
    emit_json,
    load_site_or_exit,
)
from bgplb.errors import LabError
from bgplb.model import Site
from lab import lifecycle, real_nodes
from lab.credentials import PASSWORD_ENV
from lab.node_userland import exec_argv
from lab.state import LabPaths
from lab.status import collect, render
from lab.topology import ns_name


def _common(suppress: bool) -> Parser:
    """Options valid before and after the action (given after it, they win)."""
    p = Parser(add_help=False)
    inventory: object = argparse.SUPPRESS if suppress else "inventory/lab"
    verbose: object = argparse.SUPPRESS if suppress else 0
    as_json: object = argparse.SUPPRESS if suppress else False
    p.add_argument("--inventory", metavar="DIR", default=inventory)
    p.add_argument("--json", action="store_true", default=as_json, help="one JSON document")
    p.add_argument("-v", "--verbose", action="count", default=verbose)
    return p


def parser() -> Parser:
    p = Parser(
        prog="python -m runbooks.lab",
        description=__doc__.split("\n")[0],
        parents=[_common(suppress=False)],
    )
    common = [_common(suppress=True)]
    sub = p.add_subparsers(dest="action", required=True)
    up = sub.add_parser(
        "up",
        parents=common,
        help="build the twin as fresh VMs (idempotent; recovers)",
        description="Build the twin as the write-up's fresh VMs: router without BGP config, "
        "speakers unpeered, nodes not bootstrapped, no cluster (what a deploy starts from). "
        "--preconfigured: router BGP configured and speakers peered (converged network).",
    )
    up.add_argument(
        "--preconfigured",
        action="store_true",
        help="converged network: router BGP configured, speakers peered, sessions Established",
    )
    up.add_argument(
        "--no-peer", action="store_true", help="with --preconfigured: speakers unpeered"
    )
    up.add_argument(
        "--bare-router", action="store_true", help="with --preconfigured: router without BGP"
    )
    up.add_argument(
        "--no-wait", action="store_true", help="with --preconfigured: do not wait for BGP"
    )
    down = sub.add_parser("down", parents=common, help="remove everything the twin made")
    down.add_argument("--purge", action="store_true", help="also remove credentials and keys")
    sub.add_parser("status", parents=common, help="hosts, processes, BGP sessions, LB routes")
    ex = sub.add_parser(
        "exec",
        parents=common,
        help="run a command in a host: in a node as its login user, else in the host's namespace",
    )
    ex.add_argument("host")
    ex.add_argument("command", nargs=argparse.REMAINDER)
    return p


def access_hint(site: Site, result: lifecycle.UpResult) -> list[str]:
    """How to reach the twin as a site: where its host keys and secrets went (never a value)."""
    paths = LabPaths.of(site)
    env = site.router.login.credentials.password_env or PASSWORD_ENV
    user = site.router.login.username or "vyos"
    return [
        f"router: ssh {user}@{site.router.login.address} (key: {paths.client_key}; "
        f"password: ${env})",
        f"host keys of the router and the nodes: added to {result.known_hosts}",
        f"secrets (mode 0600, values not shown): . {result.env_file}   "
        "before runbooks.deploy / runbooks.audit",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse(argv)
    out, err = consoles(args.json)
    site = load_site_or_exit(args.inventory, err, args.json)
    if site.lab is None:
        err.print(f"[red]bad input[/]: {args.inventory} is not a twin inventory (no `lab:`)")
        return EXIT_BAD_INPUT
    try:
        lifecycle.preflight()
    except LabError as exc:
        err.print(f"[red]bad input[/]: {exc}")
        return EXIT_BAD_INPUT
    try:
        return _dispatch(args, site, out, err)
    except LabError as exc:
        err.print(f"[red]lab failed[/]: {exc}")
        if args.json:
            emit_json({"ok": False, "error": str(exc)})
        return EXIT_FAILED


def _dispatch(args: argparse.Namespace, site: Site, out: Console, err: Console) -> int:
    def log(line: str) -> None:
        if args.verbose:
            err.print(line, markup=False, highlight=False)

    if args.action == "up":
        result = lifecycle.up(
            site,
            peer=args.preconfigured and not args.no_peer,
            router_bgp=args.preconfigured and not args.bare_router,
            wait=not args.no_wait,
            log=log,
        )
        if args.json:
            doc = {"ok": True, "changed": result.changed, "seconds": result.seconds}
            emit_json(doc | ({"rootfs": result.rootfs} if result.rootfs else {}))
        else:
            verb = f"built in {result.seconds:.2f} s" if result.changed else "already up"
            state = "preconfigured (BGP converged)" if args.preconfigured else "fresh VMs"
            out.print(f"lab {verb}" + (f": {state}" if result.changed else ""))
            if result.rootfs:
                out.print(f"nodes' {result.rootfs}", markup=False, highlight=False)
            for line in access_hint(site, result):
                out.print(line, markup=False, highlight=False)
        return EXIT_OK
    if args.action == "down":
        lifecycle.down(site, purge=args.purge, log=log)
        if args.json:
            emit_json({"ok": True})
        else:
            out.print("lab down")
        return EXIT_OK
    if args.action == "status":
        status = collect(site)
        if args.json:
            emit_json(status.as_dict())
        else:
            render(status, out)
        return EXIT_OK if status.up else EXIT_FAILED
    return _exec(site, args.host, args.command, err)


def _exec(site: Site, host: str, command: list[str], err: Console) -> int:
    command = command[1:] if command[:1] == ["--"] else command
    names = [site.router.name, *(n.name for n in site.nodes), *(c.name for c in site.clients)]
    if host not in names or not command:
        err.print(f"[red]bad input[/]: exec HOST -- CMD with HOST one of {', '.join(names)}")
        return EXIT_BAD_INPUT
    if host in {n.name for n in site.nodes}:
        return _exec_node(site, host, command, err)
    return subprocess.call(["ip", "netns", "exec", ns_name(host), *command])


def _exec_node(site: Site, host: str, command: list[str], err: Console) -> int:
    """In the node itself (its namespaces and root) as its login user, through the user's
    login shell; each word reaches the command as given."""
    paths = LabPaths.of(site)
    pid1 = real_nodes.pid1(paths, lifecycle.Lab.of(site).login_record(host))
    if pid1 is None:
        err.print(f"[red]lab failed[/]: node {host} is not running (python -m runbooks.lab up)")
        return EXIT_FAILED
    user = site.node(host).login.username or "ubuntu"
    return subprocess.call(exec_argv(pid1, user, command))


if __name__ == "__main__":
    sys.exit(main())
