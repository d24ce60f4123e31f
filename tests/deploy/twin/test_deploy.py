"""`python -m runbooks.deploy` and `runbooks.audit` on a fresh twin (as `runbooks.lab up`
starts it), run as on a real site: through inventory/examples/twin-as-site (no `lab:`), the
secrets from the environment (the twin's operator env, `twin_session`) and the host keys from
the user's ~/.ssh/known_hosts (the session's HOME, filled by `up`). A dry run changes nothing
anywhere; a full deploy ends with the audit passing and the router spreading the service over
the three nodes; an immediate re-run changes nothing; the audit passes on its own; without
the user's known_hosts or the password's variable, it is refused.

The tests run in order on one twin (module fixture), under the twin lock (`twin_session`)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from netmiko.base_connection import BaseConnection
from nornir.core.task import Result, Task
from urllib3.connectionpool import HTTPConnectionPool

from bgplb.cli import resolve_limit, role_groups
from bgplb.deploy.phases import PhaseTask
from bgplb.deploy.runner import DeployRun, run_phases
from bgplb.model import Site, load_site
from bgplb.nornir_init import init_nornir
from bgplb.secrets import secret_values
from lab.state import LabPaths
from tasks.phases import PHASES

from .conftest import (
    LAB_INVENTORY,
    SITE_INVENTORY,
    deploy,
    ecmp_next_hops,
    fresh_twin,
    lab_exec,
    snapshot,
)

pytestmark = pytest.mark.twin


@pytest.fixture(scope="module")
def twin(twin_session: None) -> Iterator[Site]:
    with fresh_twin(load_site(LAB_INVENTORY)) as site:
        yield site


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("deploy")


def test_dry_run_on_a_fresh_twin_changes_nothing(twin: Site, workdir: Path) -> None:
    before = snapshot(twin)
    assert before["kubeconfig"] is None and before["k8s"] == {}, "fresh twin: no cluster"
    assert "protocols bgp" not in str(before["router commands"]), "fresh twin: no router BGP"
    run = deploy(SITE_INVENTORY, "--dry-run", cwd=workdir)
    assert run.code == 0, run.describe()
    after = snapshot(twin)
    for key, value in before.items():
        assert after[key] == value, f"the dry run changed {key}"
    assert not LabPaths.of(twin).k8s_dir.exists(), "no cluster after a dry run"
    out = run.stdout
    # per-host commands and diffs
    for node in ("master01", "worker01", "worker02"):
        assert f"{node}: bootstrap would change" in out, out
    assert "sudo -n swapoff -a" in out and "kubeadm=1.21.1-00" in out
    assert "master01: control-plane would change" in out
    assert "vyos: router would change" in out
    assert "+        neighbor 198.18.30.61 {" in out  # the router's compare
    assert "Service/default/my-service" in out
    assert "vyos: audit skipped: dry run" in out, out
    assert "0 failed" in out


def test_full_deploy_ends_with_the_audit_passing(twin: Site, workdir: Path) -> None:
    run = deploy(SITE_INVENTORY, "--json", cwd=workdir)
    assert run.code == 0, run.describe()
    doc = run.doc
    assert doc["ok"] is True and doc["dry_run"] is False
    outcomes = run.outcomes()
    assert outcomes[("audit", "vyos")] == "ok", run.describe()
    assert all(o in ("ok", "changed") for o in outcomes.values()), outcomes
    for phase in ("bootstrap", "control-plane", "join", "cni", "metallb", "router", "app"):
        assert any(p == phase and o == "changed" for (p, _), o in outcomes.items()), phase
    assert doc["changed"] == 10, outcomes
    assert ecmp_next_hops(twin) == {n.address for n in twin.nodes}, "3-way ECMP"


def test_an_immediate_re_run_changes_nothing(twin: Site, workdir: Path) -> None:
    before = snapshot(twin)
    run = deploy(SITE_INVENTORY, "--json", cwd=workdir)
    assert run.code == 0, run.describe()
    assert run.doc["ok"] is True
    assert run.doc["changed"] == 0, run.outcomes()
    assert set(run.outcomes().values()) == {"ok"}, run.outcomes()
    after = snapshot(twin)
    assert after["router commands"] == before["router commands"]
    assert after["frr"] == before["frr"]
    assert after["kubeconfig"] == before["kubeconfig"]
    assert after["nodes"] == before["nodes"], "the re-run changed a node's files"


def test_the_nodes_hold_the_pinned_packages_in_real_dpkg(twin: Site) -> None:
    """What the bootstrap installed, read inside a node as its login user (`lab exec`)."""
    for node in ("master01", "worker01"):
        shown = lab_exec(node, "dpkg-query", "-W", "kubelet")
        assert (shown.returncode, shown.stdout) == (0, "kubelet\t1.21.1-00\n"), shown.stderr
        held = lab_exec(node, "apt-mark", "showhold")
        assert (held.returncode, held.stdout.split()) == (0, ["kubeadm", "kubectl", "kubelet"])
    version = lab_exec("master01", "kubeadm", "version", "-o", "short")
    assert version.stdout == "v1.21.1\n", version.stderr  # the stand-in, over the twin's network
    status = lab_exec("worker02", "systemctl", "is-active", "crio", "kubelet")
    assert status.stdout.split() == ["active", "active"], status.stderr


def test_a_converged_re_run_reads_once_per_host_and_phase(
    twin: Site, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counted, not timed (bench/deploy.py times it): each phase's state check is one SSH
    round trip per node and one router read; the Kubernetes phases share one client, so the
    API discovery happens once in the whole run (before: once per phase and wait, 12 times)."""
    monkeypatch.chdir(workdir)  # nornir.log
    trips: Counter[tuple[str, str]] = Counter()
    http: Counter[str] = Counter()
    where = threading.local()

    def tracked(name: str, task: PhaseTask) -> PhaseTask:
        def run(t: Task, **kwargs: Any) -> Result:
            where.phase = name
            try:
                return task(t, **kwargs)
            finally:
                where.phase = None

        return run

    def counted(method: str) -> None:
        real = getattr(BaseConnection, method)

        def send(self: BaseConnection, *args: Any, **kwargs: Any) -> Any:
            trips[(getattr(where, "phase", None) or "-", self.host)] += 1
            return real(self, *args, **kwargs)

        monkeypatch.setattr(BaseConnection, method, send)

    counted("send_command")
    counted("send_command_timing")
    urlopen = HTTPConnectionPool.urlopen

    def request(self: HTTPConnectionPool, method: str, url: str, *args: Any, **kw: Any) -> Any:
        http[f"{method} {url.split('?', maxsplit=1)[0]}"] += 1
        return urlopen(self, method, url, *args, **kw)

    monkeypatch.setattr(HTTPConnectionPool, "urlopen", request)
    site = load_site(SITE_INVENTORY)
    hosts = resolve_limit(site, None, role_groups(site))
    nr = init_nornir(site, hosts)
    table = PHASES.with_tasks({p.name: tracked(p.name, p.task) for p in PHASES})
    phases = PHASES.select(None, None)
    try:
        ledger = run_phases(DeployRun(site, nr, phases, hosts, False, table, secret_values(site)))
    finally:
        nr.close_connections()
    assert not ledger.failed and ledger.as_json()["changed"] == 0, ledger.as_json()
    address = {n.name: str(n.address) for n in twin.nodes} | {
        twin.router.name: str(twin.router.login.address)
    }
    expected = {("bootstrap", address[n.name]): 1 for n in twin.nodes}
    expected[("control-plane", address[twin.control_plane.name])] = 1
    expected |= {("join", address[n.name]): 1 for n in twin.workers}
    expected[("router", address[twin.router.name])] = 1  # show configuration commands
    # the audit phase's own Nornir runs its gather in threads of its own ("-" here)
    assert {k: v for k, v in trips.items() if k[0] not in ("audit", "-")} == expected, trips
    assert http["GET /apis"] == 1 and http["GET /version"] == 1, http


def test_the_audit_passes_on_its_own(twin: Site, workdir: Path) -> None:
    run = deploy(SITE_INVENTORY, "--json", cwd=workdir, runbook="runbooks.audit")
    assert run.code == 0, run.describe()
    doc = run.doc
    assert doc["ok"] is True
    assert {"session", "fib", "probe"} <= {f["check"] for f in doc["findings"]}, doc["findings"]


def test_only_the_users_known_hosts_is_trusted(twin: Site, tmp_path: Path) -> None:
    """Another HOME (no known_hosts): the router's host key is refused, the audit fails."""
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home)}
    run = deploy(
        SITE_INVENTORY, "--json", "--no-probe", cwd=tmp_path, env=env, runbook="runbooks.audit"
    )
    assert run.code == 1, run.describe()
    assert "not found in known_hosts" in run.stdout, run.describe()


def test_the_password_comes_from_the_environment(twin: Site, tmp_path: Path) -> None:
    run = deploy(
        SITE_INVENTORY,
        "--json",
        cwd=tmp_path,
        env={"BGPLB_LAB_PASSWORD": ""},
        runbook="runbooks.audit",
    )
    assert run.code == 2, run.describe()
    assert "BGPLB_LAB_PASSWORD" in run.stdout
