"""Lab lifecycle: crash recovery, complete teardown, the runbook's exit codes."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import asyncssh
import pytest

from bgplb.model import Site
from lab import netns, real_nodes
from lab.lifecycle import Lab, down, problems, start_login, stop_login, up
from lab.state import FRR_RUN_ROOT, read_record
from lab.topology import ns_name

pytestmark = pytest.mark.twin
REPO = Path(__file__).resolve().parents[2]


def runbook(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "runbooks.lab", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )


def _netns_inode(pid: int | str) -> int | None:
    try:
        return os.stat(f"/proc/{pid}/ns/net").st_ino
    except OSError:
        return None


def lab_pids(lab: Lab) -> list[int]:
    """PIDs of the twin's processes: FRR named by one of its pathspaces, or one of its services
    running in a network namespace other than this machine's (every twin service runs in a
    `bgplab-*` namespace; an emulated API server a test runs on 127.0.0.1 is not the twin's)."""
    markers = [i.marker for i in lab.instances]
    markers += [real_nodes.marker(lab.paths, n.name) for n in lab.site.nodes]  # the nodes
    markers.append("lab.node_services")  # on the machine's own address in the nodes' segment
    services = ["lab.http_backend", "lab.router_ssh", "lab.k8s.apiserver", "/usr/sbin/sshd -D"]
    host_ns = _netns_inode(os.getpid())  # this test runs in the machine's namespace
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "pytest" in cmd:
            continue
        in_twin_ns = _netns_inode(entry.name) not in (None, host_ns)
        if any(m in cmd for m in markers) or (in_twin_ns and any(m in cmd for m in services)):
            found.append(int(entry.name))
    return found


def test_up_recovers_from_a_crash(twin: Site) -> None:
    lab = Lab.of(twin)
    rec = read_record(lab.paths, f"{ns_name('worker01')}.zebra")
    assert rec is not None
    os.kill(rec.pid, signal.SIGKILL)
    netns.delete_namespace(ns_name("c02"))
    assert problems(lab)
    result = up(twin)
    assert result.changed
    assert problems(lab) == []
    assert result.rootfs is not None and "one-time build took" in result.rootfs  # cached


def test_down_leaves_nothing_behind(twin: Site) -> None:
    lab = Lab.of(twin)
    stray = "bgplab-stray"  # another lab's leftover, with a process inside it
    netns.add_namespace(stray)
    sleeper = subprocess.Popen(["ip", "netns", "exec", stray, "sleep", "300"])
    down(twin)
    try:
        assert sleeper.wait(timeout=5) != 0, "the process inside a bgplab-* namespace is stopped"
        assert not [ns for ns in netns.list_namespaces() if ns.startswith("bgplab-")]
        assert not [x for x in lab.topo.host_links if netns.link_exists(x.ifname)]
        routes = netns.ip_json(None, ["-4", "route", "show"])
        assert not [r for r in routes if str(r["dst"]).startswith("198.18.")]
        assert lab_pids(lab) == []
        assert not [i for i in lab.instances if (FRR_RUN_ROOT / i.pathspace).exists()]
        assert not lab.paths.pids.exists()
        assert not lab.paths.frr_confdir.exists()
        assert lab.paths.known_hosts.exists(), "credentials survive a down (purge removes them)"
        assert not lab.paths.k8s_dir.exists(), "the cluster is gone: the next up starts fresh"
        for node in twin.nodes:  # the nodes are fresh VMs again, nothing left mounted
            assert not (lab.paths.root / "nodes" / node.name / "upper").exists(), node.name
        assert str(lab.paths.root / "nodes") not in Path("/proc/mounts").read_text()
    finally:
        if sleeper.poll() is None:
            sleeper.kill()
        up(twin)


def test_node_logins_and_router_share_known_hosts(twin: Site) -> None:
    """Every node's login and the router's SSH are in the lab's known_hosts (none clobbered),
    and a client that checks host keys strictly logs in to each node with the lab key."""
    lab = Lab.of(twin)
    lines = lab.paths.known_hosts.read_text().splitlines()
    names = [ln.split(" ", 1)[0].split(",") for ln in lines]
    wanted = [str(twin.router.login.address), *(str(n.address) for n in twin.nodes)]
    for address in wanted:
        assert sum(address in n for n in names) == 1, (address, names)
    assert {f"login.{n.name}" for n in twin.nodes} <= set(lab.expected_records)

    async def hostnames() -> list[tuple[str, str, int | None]]:
        out = []
        for node in twin.nodes:
            async with asyncssh.connect(
                str(node.address),
                username="ubuntu",
                client_keys=[str(lab.paths.client_key)],
                known_hosts=str(lab.paths.known_hosts),
            ) as conn:
                done = await conn.run("hostname; nosuchtool")
                out.append((str(done.stdout), str(done.stderr), done.exit_status))
        return out

    got = asyncio.run(hostnames())
    # the node's real bash: the error on stderr, as bash words it for `bash -c`
    missing = "bash: line 1: nosuchtool: command not found\n"
    assert got == [(f"{n.name}\n", missing, 127) for n in twin.nodes]


def test_runbook_up_help_documents_the_default() -> None:
    shown = runbook("up", "--help")
    assert shown.returncode == 0
    text = " ".join(shown.stdout.split())
    assert "fresh VMs" in text and "--preconfigured" in text


def test_runbook_status_json_and_exec(twin: Site) -> None:
    status = runbook("status", "--json")
    assert status.returncode == 0, status.stderr
    assert '"up": true' in status.stdout
    ran = runbook("exec", "c01", "--", "ip", "-4", "-br", "addr", "show", "dev", "eth0")
    assert ran.returncode == 0
    assert "198.18.123.5/24" in ran.stdout
    assert str(twin.clients[0].address) in ran.stdout


def test_runbook_refuses_bad_input() -> None:
    assert runbook("--inventory", "inventory", "status").returncode == 2  # not a twin
    assert runbook("exec", "nosuchhost", "--", "true").returncode == 2


def test_runbook_exec_in_a_node_runs_as_its_login_user_with_each_word_as_given(
    twin: Site,
) -> None:
    """`exec NODE -- CMD`: inside the node (its root, hostname and processes), as the login
    user through a login shell; words with spaces, `$`, `;` and quotes arrive unchanged."""
    ran = runbook("exec", "worker01", "--", "sh", "-c", 'echo "$(id -un)@$(hostname) $PATH"')
    assert ran.returncode == 0, ran.stderr
    user_host, path = ran.stdout.split()
    assert user_host == "ubuntu@worker01"
    assert "/usr/bin" in path.split(":")
    words = ["a b", "$HOME", ";id", "it's", "`uname`"]
    ran = runbook("exec", "worker01", "--", "printf", "%s|", *words)
    assert (ran.returncode, ran.stdout) == (0, "".join(w + "|" for w in words))
    ran = runbook("exec", "worker01", "--", "sh", "-c", "exit 7")
    assert ran.returncode == 7  # the command's own status
    ran = runbook("exec", "worker01", "--", "cat", "/etc/debian_version")
    assert ran.returncode == 0 and ran.stdout.strip().startswith("12.")  # the node's own root


def test_a_stopped_node_is_refused_by_exec_then_boots_again_with_its_changes(
    twin: Site,
) -> None:
    """`stop_login` powers the node off (one PID); `exec` says so; `start_login` boots it again
    over the same upper layer: what it wrote is still there, its sshd listens again."""
    made = runbook("exec", "worker02", "--", "sudo", "-n", "touch", "/etc/bgplab-marker")
    assert made.returncode == 0, made.stderr
    stop_login(twin, "worker02")
    try:
        refused = runbook("exec", "worker02", "--", "true")
        assert refused.returncode == 1
        assert "node worker02 is not running" in " ".join(refused.stderr.split())
    finally:
        start_login(twin, "worker02")
    back = runbook("exec", "worker02", "--", "ls", "/etc/bgplab-marker")
    assert (back.returncode, back.stdout) == (0, "/etc/bgplab-marker\n"), back.stderr
