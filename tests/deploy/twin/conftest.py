"""`python -m runbooks.deploy` end to end on a fresh twin: helpers to run it (a subprocess in a
working directory of its own, so nornir.log lands there) and to observe everything it may
change (tests marked `lab`, under the machine's twin lock: the `twin_session` fixture)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import Any

import paramiko
import yaml

from bgplb.model import Site, load_site
from lab import frr, real_nodes
from lab.instances import node_instance, router_instance
from lab.lifecycle import down, up
from lab.observe import nexthops_of
from lab.state import LabPaths
from lab.topology import ns_name
from tests.model.mutate import absolute_manifests

REPO = Path(__file__).resolve().parents[3]
LAB_INVENTORY = REPO / "inventory" / "lab"
# the twin as a real site: inventory/lab without `lab:` (what deploy and audit are run with)
SITE_INVENTORY = REPO / "inventory" / "examples" / "twin-as-site"
LB_NET = IPv4Network("198.18.100.10/32")  # the demo service's address (inventory/lab)
DEPLOY_TIMEOUT_S = 300.0


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def doc(self) -> dict[str, Any]:
        """The --json document (stdout)."""
        out: dict[str, Any] = json.loads(self.stdout)
        return out

    def outcomes(self) -> dict[tuple[str, str], str]:
        """{(phase, host): outcome} from the --json document."""
        return {(r["phase"], r["host"]): r["outcome"] for r in self.doc["results"]}

    def describe(self) -> str:
        out, err = self.stdout[-4000:], self.stderr[-4000:]
        return f"exit {self.code}\n--- stdout\n{out}\n--- stderr\n{err}"


def deploy(
    inventory: Path,
    *args: str,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    runbook: str = "runbooks.deploy",
) -> Run:
    """`python -m runbooks.deploy --inventory INVENTORY ARGS` run in `cwd` (wide console, so
    the final table is not cut at 80 columns); `runbook` names another one."""
    environ = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "160", **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", runbook, "--inventory", str(inventory), *args],
        check=False,
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=DEPLOY_TIMEOUT_S,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


@contextmanager
def fresh_twin(site: Site) -> Iterator[Site]:
    """The twin as `python -m runbooks.lab up` starts it by default (router without BGP,
    speakers unpeered, nodes not bootstrapped, no cluster); always torn down afterwards."""
    down(site)
    try:
        up(site, peer=False, router_bgp=False, wait=False)
        yield site
    finally:
        down(site)


def lab_exec(host: str, *command: str) -> subprocess.CompletedProcess[str]:
    """`python -m runbooks.lab exec HOST -- COMMAND` on the twin of inventory/lab."""
    argv = [sys.executable, "-m", "runbooks.lab", "--inventory", str(LAB_INVENTORY), "exec"]
    return subprocess.run(
        [*argv, host, "--", *command],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def router_exec(site: Site, command: str) -> str:
    """One operational command on the router over SSH (key auth, strict host key: the user's
    known_hosts, as `lab up` filled it)."""
    paths = LabPaths.of(site)
    client = paramiko.SSHClient()
    client.load_system_host_keys()
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.connect(
        str(site.router.login.address),
        username=site.router.login.username or "vyos",
        key_filename=str(paths.client_key),
        allow_agent=False,
        look_for_keys=False,
        timeout=5,
    )
    try:
        _, stdout, _ = client.exec_command(command, timeout=15)
        return str(stdout.read().decode())
    finally:
        client.close()


def _files(root: Path) -> dict[str, str]:
    if not root.is_dir():
        return {}
    return {
        str(p.relative_to(root)): p.read_text(errors="replace")
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.suffix != ".lock"
    }


def snapshot(site: Site) -> dict[str, object]:
    """Everything a deploy may change: the nodes' state files, the cluster's files, the local
    kubeconfig, the router's configuration (over SSH and its config.boot) and the running
    configuration of every FRR instance (router and node speakers)."""
    paths = LabPaths.of(site)
    kubeconfig = site.kubernetes.kubeconfig.expanduser()
    boot = paths.vyos_dir / "config.boot"
    return {
        # the nodes' files changed over the rootfs (logs, caches, histories left out)
        "nodes": real_nodes.changes(site),
        "k8s": _files(paths.k8s_dir),
        "kubeconfig": kubeconfig.read_text() if kubeconfig.exists() else None,
        "router commands": router_exec(site, "show configuration commands"),
        "config.boot": boot.read_text() if boot.exists() else None,
        "frr": {
            inst.pathspace: frr.vtysh(inst, "show running-config")
            for inst in [router_instance(site), *(node_instance(site, n.name) for n in site.nodes)]
        },
    }


def ecmp_next_hops(site: Site) -> set[IPv4Address]:
    return set(nexthops_of(ns_name(site.router.name), LB_NET))


def copy_inventory(dest: Path, edit: Callable[[dict[str, Any], dict[str, Any]], None]) -> Path:
    """inventory/lab copied to `dest` (relative manifest paths made absolute); `edit(hosts,
    site)` changes hosts.yaml and the site data of defaults.yaml."""
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "groups.yaml").write_text((LAB_INVENTORY / "groups.yaml").read_text())
    hosts = yaml.safe_load((LAB_INVENTORY / "hosts.yaml").read_text())
    defaults = yaml.safe_load((LAB_INVENTORY / "defaults.yaml").read_text())
    site = defaults["data"]["site"]
    absolute_manifests(site, LAB_INVENTORY)
    edit(hosts, site)
    (dest / "hosts.yaml").write_text(yaml.safe_dump(hosts, sort_keys=False))
    (dest / "defaults.yaml").write_text(yaml.safe_dump(defaults, sort_keys=False))
    return dest


__all__ = ["load_site"]
