"""The twin's cluster used as a real one: a manifest of Services on different port/targetPort
pairs applied with plain `kubectl apply -f`, kube-proxy's data path in the nodes' namespaces
(real nftables), and the audit's probe following it.

The twin is the audit's (tests/audit/twin/twin.py: lab up, cluster with MetalLB 0.9.6 and the
demo app, the emulated MetalLB and kube-proxy driving the nodes); kubectl uses the site's
kubeconfig, as a user of the twin does. Marked `lab`: root and the machine's twin lock.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import pytest

from bgplb.model import Site, load_site
from lab import kube_proxy
from lab.speaker import Speaker
from lab.topology import ns_name
from runbooks.audit import main as audit_main
from tests.audit.twin.twin import AuditTwin, audit_twin, ecmp_hops

from .conftest import kubectl_path

pytestmark = pytest.mark.twin

REPO = Path(__file__).resolve().parents[3]
INVENTORY = REPO / "inventory" / "lab"
CLUSTER_IP = IPv4Address("198.18.100.20")  # web-cluster: 8080 -> 80, externalTrafficPolicy Cluster
LOCAL_IP = IPv4Address("198.18.100.21")  # web-local: 9090 -> "http" (80), Local
MANIFEST = f"""\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
      - name: web
        image: nginx:1.21
        ports: [{{name: http, containerPort: 80}}]
---
apiVersion: v1
kind: Service
metadata: {{name: web-cluster}}
spec:
  type: LoadBalancer
  loadBalancerIP: {CLUSTER_IP}
  selector: {{app: web}}
  ports: [{{name: http, port: 8080, targetPort: 80}}]
---
apiVersion: v1
kind: Service
metadata: {{name: web-local}}
spec:
  type: LoadBalancer
  loadBalancerIP: {LOCAL_IP}
  externalTrafficPolicy: Local
  selector: {{app: web}}
  ports: [{{name: http, port: 9090, targetPort: http}}]
"""


@dataclass
class KubectlTwin(AuditTwin):
    home: Path = Path()


def run_kubectl(site: Site, home: Path, *args: str, stdin: str | None = None) -> str:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "KUBECONFIG": str(site.kubernetes.kubeconfig),
    }
    done = subprocess.run(
        [kubectl_path(), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, f"kubectl {' '.join(args)}: {done.stdout}{done.stderr}"
    return done.stdout


def curl(client: str | None, url: str) -> tuple[int, dict[str, Any] | None]:
    """One bounded request from a client namespace (None: this machine, the write-up's KVM
    host on the node segment): (HTTP code, JSON body); code 0 when nothing answered."""
    argv = ["curl", "-s", "-m", "2", "-w", "\n%{http_code}", url]
    if client is not None:
        argv = ["ip", "netns", "exec", ns_name(client), *argv]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False).stdout
    body, _, code = out.rpartition("\n")
    try:
        doc = json.loads(body) if body.strip() else None
    except ValueError:
        doc = None
    return int(code or 0), doc


def audit(capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = audit_main(["--inventory", str(INVENTORY), "--json"])
    return code, json.loads(capsys.readouterr().out)


def findings(doc: dict[str, Any], check: str, severity: str) -> list[dict[str, str]]:
    return [f for f in doc["findings"] if f["check"] == check and f["severity"] == severity]


def header(text: str) -> list[str]:
    return re.split(r"\s{2,}", text.splitlines()[0].strip())


@pytest.fixture(scope="module")
def twin(twin_session: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[KubectlTwin]:
    site = load_site(INVENTORY)
    with audit_twin(site) as up:
        home = tmp_path_factory.mktemp("home")
        applied = run_kubectl(site, home, "apply", "-f", "-", stdin=MANIFEST)
        assert applied.split("\n")[:3] == [
            "deployment.apps/web created",
            "service/web-cluster created",
            "service/web-local created",
        ]
        workers = {site.node("worker01").address, site.node("worker02").address}
        up.wait_ecmp({n.address for n in site.nodes}, CLUSTER_IP)
        up.wait_ecmp(workers, LOCAL_IP)  # Local: only the nodes with a pod of web
        yield KubectlTwin(up.site, up.state_dir, up.token, up.lb_ip, home)


def test_kubectl_on_the_twin_prints_the_real_columns(twin: KubectlTwin) -> None:
    home = twin.home
    nodes = run_kubectl(twin.site, home, "get", "nodes")
    assert header(nodes) == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    assert [line.split()[1] for line in nodes.splitlines()[1:]] == ["Ready"] * 3
    pods = run_kubectl(twin.site, home, "get", "pods", "-l", "app=web", "-o", "wide")
    assert header(pods)[:7] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE"]
    assert sorted(line.split()[6] for line in pods.splitlines()[1:]) == ["worker01", "worker02"]
    svc = run_kubectl(twin.site, home, "get", "svc")
    assert header(svc) == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    rows = {line.split()[0]: line.split() for line in svc.splitlines()[1:]}
    assert rows["web-cluster"][3] == str(CLUSTER_IP)
    assert re.fullmatch(r"8080:3\d{4}/TCP", rows["web-cluster"][4])
    assert rows["web-local"][3] == str(LOCAL_IP)
    assert rows["my-service"][3] == "198.18.100.10"


def test_kube_proxy_translates_ports_and_keeps_each_policy(twin: KubectlTwin) -> None:
    site = twin.site
    nodes = {str(n.address): n.name for n in site.nodes}
    seen_cluster: set[str] = set()
    for _ in range(12):
        code, doc = curl("c01", f"http://{CLUSTER_IP}:8080/")
        assert code == 200 and doc is not None, (code, doc)
        assert doc["port"] == 80 and doc["pod"].startswith("web-")
        assert doc["client"] in nodes  # Cluster: masqueraded to the node it came through
        assert nodes[doc["client"]] == doc["via"]
        seen_cluster.add(doc["via"])
    assert seen_cluster == set(nodes.values()), "layer-4 ECMP over the 3 announcers"
    c01 = str(next(c.address for c in site.clients if c.name == "c01"))
    for _ in range(8):
        code, doc = curl("c01", f"http://{LOCAL_IP}:9090/")
        assert code == 200 and doc is not None, (code, doc)
        assert doc["via"] == doc["node"] != "master01"  # Local: the pod's own node
        assert doc["client"] == c01  # Local keeps the client's address


def test_node_ports_and_health_check_node_port(twin: KubectlTwin) -> None:
    site = twin.site
    home = twin.home
    svc = {
        s["metadata"]["name"]: s
        for s in json.loads(run_kubectl(site, home, "get", "svc", "-o", "json"))["items"]
    }
    cluster_np = svc["web-cluster"]["spec"]["ports"][0]["nodePort"]
    local_np = svc["web-local"]["spec"]["ports"][0]["nodePort"]
    health = svc["web-local"]["spec"]["healthCheckNodePort"]
    master, worker = site.node("master01").address, site.node("worker01").address
    # the clients route only the LB pool to the router: node ports are tried from this machine
    code, doc = curl(None, f"http://{master}:{cluster_np}/")
    assert code == 200 and doc is not None and doc["node"] in ("worker01", "worker02")
    code, doc = curl(None, f"http://{worker}:{local_np}/")
    assert code == 200 and doc is not None and doc["node"] == "worker01"
    assert curl(None, f"http://{master}:{local_np}/") == (0, None)  # Local, no pod: dropped
    code, doc = curl(None, f"http://{master}:{health}/")
    assert code == 503 and doc is not None and doc["localEndpoints"] == 0
    code, doc = curl(None, f"http://{worker}:{health}/")
    assert (code, doc) == (
        200,
        {
            "service": {"namespace": "default", "name": "web-local"},
            "localEndpoints": 1,
            "serviceProxyHealthy": True,
        },
    )
    rules = kube_proxy.ruleset(ns_name("master01"))
    assert f"ip daddr {LOCAL_IP} tcp dport 9090 goto external-" in rules


def test_audit_probe_passes_for_every_service(
    twin: KubectlTwin, capsys: pytest.CaptureFixture[str]
) -> None:
    code, doc = audit(capsys)
    errors = [f for f in doc["findings"] if f["severity"] == "error"]
    assert code == 0, errors
    probed = {f["object"].split(" -> ")[1] for f in findings(doc, "probe", "pass")}
    assert probed == {"198.18.100.10:80", f"{CLUSTER_IP}:8080", f"{LOCAL_IP}:9090"}
    clients = {c.name for c in twin.site.clients}
    assert len(findings(doc, "probe", "pass")) == 3 * len(clients)


def test_announcement_from_a_node_without_local_endpoint_fails_the_probe(
    twin: KubectlTwin, capsys: pytest.CaptureFixture[str]
) -> None:
    site = twin.site
    master = Speaker(site, "master01")
    master.announce(LOCAL_IP)  # what a broken speaker would do: master01 has no web pod
    try:
        twin.wait_ecmp({n.address for n in site.nodes}, LOCAL_IP)
        code, doc = audit(capsys)
    finally:
        master.withdraw(LOCAL_IP)
    assert code == 1
    announcers = [f for f in findings(doc, "announcers", "error") if str(LOCAL_IP) in f["object"]]
    assert announcers and "master01" in announcers[0]["actual"], announcers
    lost = [f for f in findings(doc, "probe", "error") if f"{LOCAL_IP}:9090" in f["object"]]
    assert lost, doc["findings"]
    for f in lost:
        answered = int(f["actual"].split("/")[0])
        assert 0 < answered < 30, f  # the flows hashed to master01 are dropped, the rest answer
        assert "master01" not in f["actual"]
        assert "no answer (timeout or refused)" in f["hint"]
    # the Cluster-policy Service is still whole through master01
    ok = {f["object"] for f in findings(doc, "probe", "pass")}
    assert all(
        any(f"{CLUSTER_IP}:8080" in o for o in ok if o.startswith(c.name)) for c in site.clients
    )
    twin.wait_ecmp({site.node("worker01").address, site.node("worker02").address}, LOCAL_IP)
    assert ecmp_hops(site, LOCAL_IP) == {
        site.node("worker01").address,
        site.node("worker02").address,
    }


def readme_journey() -> str:
    """The shell block of the README's kubectl section."""
    text = (REPO / "README.md").read_text()
    return text.split("#### The twin's cluster with kubectl", 1)[1].split("```", 2)[1]


def test_the_readme_journey(twin: KubectlTwin, tmp_path: Path) -> None:
    """The README's commands, run as written by bash -e (python: the suite's, kubectl: the
    suite's) from a scratch directory that sees the repository's inventory."""
    block = readme_journey()
    assert "export KUBECONFIG=" + str(twin.site.kubernetes.kubeconfig) in block
    (tmp_path / "inventory").symlink_to(REPO / "inventory")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "kubectl").symlink_to(kubectl_path())
    venv_bin = Path(sys.executable).parent  # `python` is the suite's (a venv's python)
    env = {
        "PATH": f"{bin_dir}:{venv_bin}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        # the session's HOME: `lab up` put the twin's host keys in its ~/.ssh/known_hosts
        "HOME": os.environ["HOME"],
        "PYTHONPATH": str(REPO),
    }
    done = subprocess.run(
        ["bash", "-e", "-c", block],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    assert "deployment.apps/web unchanged" in out  # the same Deployment as the fixture's
    assert "service/web created" in out
    assert re.search(r"^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\s+INTERNAL-IP", out, re.M)
    assert re.search(r"^web\s+LoadBalancer\s+198\.18\.60\.\d+\s+198\.18\.100\.1\s", out, re.M)
    answer = json.loads(next(line for line in out.splitlines() if line.startswith('{"pod"')))
    assert answer["pod"].startswith("web-") and answer["via"] == answer["node"]
    assert answer["client"] == str(next(c.address for c in twin.site.clients if c.name == "c01"))
