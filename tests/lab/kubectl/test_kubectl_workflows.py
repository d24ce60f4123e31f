"""kubectl workflows a user runs against any cluster, run with the real kubectl binary against
the twin's emulated API server: plain `apply -f` (OpenAPI v3 + server-side field validation),
server-printed columns, output formats, describe, label/annotate/patch in the three patch
types, server-side apply, wait, rollout status, api-resources, version, and the errors users
know (Status reason and code)."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from tests.conftest import MANIFESTS

from .conftest import Kubectl

pytestmark = pytest.mark.twin

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: LoadBalancer
  selector: {app: web}
  ports:
  - name: http
    port: 8080
    targetPort: 80
"""
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.21
        ports: [{containerPort: 80}]
"""


def header(text: str) -> list[str]:
    return text.splitlines()[0].split()


def rows(text: str) -> dict[str, list[str]]:
    """First column -> the row's cells (columns split on runs of 2+ spaces)."""
    out = {}
    for line in text.splitlines()[1:]:
        cells = re.split(r"\s{2,}", line.strip())
        out[cells[0]] = cells
    return out


def test_kubectl_is_a_real_kubectl_talking_to_a_1_21_server(kubectl: Kubectl) -> None:
    client = json.loads(kubectl.out("version", "--client", "-o", "json"))
    assert client["clientVersion"]["major"] == "1"
    both = kubectl.run("version")
    assert "Server Version: v1.21.1" in both.stdout


def test_plain_apply_is_validated_by_the_server(kubectl: Kubectl, tmp_path: object) -> None:
    assert kubectl.out("apply", "-f", "-", stdin=SERVICE).strip() == "service/web created"
    assert kubectl.out("apply", "-f", "-", stdin=SERVICE).strip() == "service/web unchanged"
    bad = SERVICE.replace("name: web", "name: typo").replace("targetPort: 80", "targetPrt: 80")
    done = kubectl.run("apply", "-f", "-", stdin=bad, check=False)
    assert done.returncode == 1
    assert "Error from server (BadRequest)" in done.stderr
    assert 'strict decoding error: unknown field "spec.ports[0].targetPrt"' in done.stderr
    assert kubectl.run("get", "svc", "typo", check=False).returncode == 1  # nothing created
    # the same manifest goes through when the user asks the server to ignore unknown fields
    loose = kubectl.run("apply", "--validate=false", "-f", "-", stdin=bad)
    assert loose.stdout.strip() == "service/typo created"
    kubectl.out("delete", "svc", "typo")


def test_get_prints_the_real_columns(kubectl: Kubectl) -> None:
    kubectl.out("apply", "-f", "-", stdin=DEPLOYMENT)
    kubectl.out("apply", "-f", "-", stdin=SERVICE)
    nodes = kubectl.out("get", "nodes")
    assert header(nodes) == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    by_name = rows(nodes)
    assert by_name["master01"][1:3] == ["Ready", "control-plane,master"]
    assert by_name["worker01"][1:3] == ["Ready", "<none>"]
    assert {r[4] for r in by_name.values()} == {"v1.21.1"}
    wide = kubectl.out("get", "nodes", "-o", "wide")
    assert header(wide)[5:8] == ["INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE"]
    assert rows(wide)["worker01"][5] == "198.18.30.60"

    assert kubectl.until(
        lambda: (
            [r[1:3] for r in rows(kubectl.out("get", "pods", "-l", "app=web")).values()]
            == [["1/1", "Running"]] * 2
        )
    ), kubectl.out("get", "pods")
    pods = kubectl.out("get", "pods")
    assert header(pods) == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    pods_wide = kubectl.out("get", "pods", "-o", "wide")
    assert header(pods_wide)[5:7] == ["IP", "NODE"]
    assert {r[6] for r in rows(pods_wide).values()} == {"worker01", "worker02"}

    svc = kubectl.out("get", "svc", "web")
    assert header(svc) == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    cells = rows(svc)["web"]
    assert cells[1] == "LoadBalancer"
    assert cells[2].startswith("198.18.60.")
    assert cells[3] == "<pending>"  # no MetalLB in this cluster
    assert re.fullmatch(r"8080:3\d{4}/TCP", cells[4])

    deploy = kubectl.out("get", "deploy", "web")
    assert header(deploy) == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert rows(deploy)["web"][1:4] == ["2/2", "2", "2"]
    ds = kubectl.out("get", "ds", "-n", "kube-system")
    assert header(ds) == [
        "NAME",
        "DESIRED",
        "CURRENT",
        "READY",
        "UP-TO-DATE",
        "AVAILABLE",
        "NODE",
        "SELECTOR",
        "AGE",
    ]
    assert rows(ds)["kube-proxy"][1:4] == ["3", "3", "3"]
    ep = kubectl.out("get", "endpoints", "web")
    assert header(ep) == ["NAME", "ENDPOINTS", "AGE"]
    assert re.fullmatch(r"198\.18\.50\.\d+:80,198\.18\.50\.\d+:80", rows(ep)["web"][1])
    everything = kubectl.out("get", "pods", "-A")
    assert header(everything)[:2] == ["NAMESPACE", "NAME"]
    assert "kube-system" in everything and "coredns-" in everything


def test_output_formats(kubectl: Kubectl) -> None:
    as_json = json.loads(kubectl.out("get", "svc", "web", "-o", "json"))
    assert as_json["kind"] == "Service" and as_json["spec"]["ports"][0]["targetPort"] == 80
    as_yaml = yaml.safe_load(kubectl.out("get", "svc", "web", "-o", "yaml"))
    assert as_yaml["metadata"]["name"] == "web"
    port = kubectl.out("get", "svc", "web", "-o", "jsonpath={.spec.ports[0].nodePort}")
    assert 30000 <= int(port) <= 32767
    names = kubectl.out("get", "nodes", "-o", "name").split()
    assert names == ["node/master01", "node/worker01", "node/worker02"]
    listing = json.loads(kubectl.out("get", "pods", "-l", "app=web", "-o", "json"))
    assert listing["kind"] == "List" and len(listing["items"]) == 2


def test_describe_shows_endpoints_and_ports(kubectl: Kubectl) -> None:
    text = kubectl.out("describe", "svc", "web")
    assert re.search(r"^Type:\s+LoadBalancer$", text, re.M)
    assert re.search(r"^Port:\s+http\s+8080/TCP$", text, re.M)
    assert re.search(r"^TargetPort:\s+80/TCP$", text, re.M)
    assert re.search(r"^Endpoints:\s+198\.18\.50\.\d+:80,198\.18\.50\.\d+:80$", text, re.M)
    node = kubectl.out("describe", "node", "worker01")
    assert re.search(r"^Name:\s+worker01$", node, re.M)
    assert "InternalIP:  198.18.30.60" in node


def test_label_annotate_and_the_three_patch_types(kubectl: Kubectl) -> None:
    assert kubectl.out("label", "svc", "web", "tier=front").strip() == "service/web labeled"
    clash = kubectl.run("label", "svc", "web", "tier=back", check=False)
    assert clash.returncode == 1
    assert "'tier' already has a value (front), and --overwrite is false" in clash.stderr
    kubectl.out("label", "svc", "web", "tier=back", "--overwrite")
    kubectl.out("annotate", "svc", "web", "owner=netops")
    kubectl.out("patch", "svc", "web", "-p", '{"spec":{"ports":[{"port":8080,"name":"web"}]}}')
    kubectl.out("patch", "svc", "web", "--type=merge", "-p", '{"metadata":{"labels":{"m":"1"}}}')
    kubectl.out(
        "patch",
        "svc",
        "web",
        "--type=json",
        "-p",
        '[{"op":"replace","path":"/spec/externalTrafficPolicy","value":"Local"}]',
    )
    svc = json.loads(kubectl.out("get", "svc", "web", "-o", "json"))
    assert svc["metadata"]["labels"] == {"tier": "back", "m": "1"}
    assert svc["metadata"]["annotations"]["owner"] == "netops"
    # strategic merge: the port list is merged by its key, targetPort kept
    assert svc["spec"]["ports"] == [
        {**svc["spec"]["ports"][0], "name": "web", "port": 8080, "targetPort": 80}
    ]
    assert svc["spec"]["externalTrafficPolicy"] == "Local"
    assert svc["spec"]["healthCheckNodePort"] >= 30000
    failed = kubectl.run(
        "patch",
        "svc",
        "web",
        "--type=json",
        "-p",
        '[{"op":"remove","path":"/spec/nope"}]',
        check=False,
    )
    assert failed.returncode == 1 and "/spec/nope" in failed.stderr


def test_server_side_apply_and_its_conflicts(kubectl: Kubectl) -> None:
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {color: blue}\n"
    assert kubectl.out("apply", "--server-side", "-f", "-", stdin=cm).strip() == (
        "configmap/cfg serverside-applied"
    )
    owners = json.loads(kubectl.out("get", "cm", "cfg", "-o", "json", "--show-managed-fields"))[
        "metadata"
    ]
    assert [e["manager"] for e in owners["managedFields"]] == ["kubectl"]
    other = cm.replace("blue", "red")
    clash = kubectl.run(
        "apply", "--server-side", "--field-manager=other", "-f", "-", stdin=other, check=False
    )
    assert clash.returncode == 1
    assert 'conflict with "kubectl": .data.color' in clash.stderr
    kubectl.out(
        "apply",
        "--server-side",
        "--field-manager=other",
        "--force-conflicts",
        "-f",
        "-",
        stdin=other,
    )
    assert kubectl.out("get", "cm", "cfg", "-o", "jsonpath={.data.color}") == "red"


def test_wait_and_rollout_status_follow_the_watch(kubectl: Kubectl) -> None:
    kubectl.out("apply", "-f", "-", stdin=DEPLOYMENT)
    assert "successfully rolled out" in kubectl.out(
        "rollout", "status", "deploy/web", "--timeout=30s"
    )
    kubectl.out("apply", "-f", "-", stdin=DEPLOYMENT.replace("nginx:1.21", "nginx:1.22"))
    done = kubectl.out("rollout", "status", "deploy/web", "--timeout=30s")
    assert 'deployment "web" successfully rolled out' in done
    images = kubectl.out("get", "pods", "-l", "app=web", "-o", "jsonpath={..image}").split()
    assert set(images) == {"nginx:1.22"}
    met = kubectl.out("wait", "--for=condition=Available", "deploy/web", "--timeout=20s")
    assert met.strip() == "deployment.apps/web condition met"
    ready = kubectl.out("wait", "--for=condition=Ready", "pod", "-l", "app=web", "--timeout=20s")
    assert ready.count("condition met") == 2
    never = kubectl.run(
        "wait", "--for=condition=Progressing=False", "deploy/web", "--timeout=2s", check=False
    )
    assert never.returncode == 1 and "timed out" in never.stderr


def test_api_resources_and_unknown_kinds(kubectl: Kubectl) -> None:
    listing = kubectl.out("api-resources")
    assert header(listing) == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    assert re.search(r"^services\s+svc\s+v1\s+true\s+Service$", listing, re.M)
    assert re.search(r"^deployments\s+deploy\s+apps/v1\s+true\s+Deployment$", listing, re.M)
    unknown = kubectl.run("get", "widgets", check=False)
    assert unknown.returncode == 1
    assert 'the server doesn\'t have a resource type "widgets"' in unknown.stderr


def test_errors_are_statuses_kubectl_prints(kubectl: Kubectl) -> None:
    missing = kubectl.run("get", "svc", "nope", check=False)
    assert missing.returncode == 1
    assert missing.stderr.strip() == 'Error from server (NotFound): services "nope" not found'
    invalid = kubectl.run(
        "apply", "-f", "-", stdin=SERVICE.replace("LoadBalancer", "Balancer"), check=False
    )
    assert invalid.returncode == 1
    assert 'spec.type: Unsupported value: "Balancer"' in invalid.stderr
    twice = kubectl.run("create", "-f", "-", stdin=SERVICE, check=False)
    assert twice.returncode == 1
    assert 'Error from server (AlreadyExists): error when creating "STDIN": services "web" ' in (
        twice.stderr
    )
    gone = kubectl.run("delete", "svc", "nope", check=False)
    assert gone.stderr.strip() == 'Error from server (NotFound): services "nope" not found'
    assert kubectl.out("delete", "svc", "web").strip() == 'service "web" deleted'


METALLB_0149 = MANIFESTS / "metallb-v0.14.9" / "metallb-native.yaml"
METALLB_CONFIG = """\
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: pool, namespace: metallb-system}
spec:
  addresses: [198.18.100.0/24]
  avoidBuggyIPs: true
---
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: {name: router, namespace: metallb-system}
spec: {peerAddress: 198.18.30.1, peerASN: 64501, myASN: 64500}
---
apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata: {name: adv, namespace: metallb-system}
spec: {ipAddressPools: [pool]}
"""


def test_metallb_kinds_print_their_crd_columns(kubectl: Kubectl) -> None:
    applied = kubectl.out("apply", "-f", str(METALLB_0149))
    assert "customresourcedefinition.apiextensions.k8s.io/ipaddresspools.metallb.io created" in (
        applied
    )
    kubectl.out("apply", "-f", "-", stdin=METALLB_CONFIG)
    pools = kubectl.out("get", "ipaddresspools", "-n", "metallb-system")
    assert re.split(r"\s{2,}", pools.splitlines()[0].strip()) == [
        "NAME",
        "AUTO ASSIGN",
        "AVOID BUGGY IPS",
        "ADDRESSES",
    ]
    # autoAssign comes from the CRD schema's default
    assert rows(pools)["pool"] == ["pool", "true", "true", '["198.18.100.0/24"]']
    peers = kubectl.out("get", "bgppeers.metallb.io", "-n", "metallb-system")
    assert re.split(r"\s{2,}", peers.splitlines()[0].strip())[:3] == ["NAME", "ADDRESS", "ASN"]
    assert rows(peers)["router"][1:3] == ["198.18.30.1", "64501"]
    groups = kubectl.out("api-resources", "--api-group=metallb.io")
    assert re.search(r"^ipaddresspools\s+metallb.io/v1beta1\s+true\s+IPAddressPool$", groups, re.M)
    kubectl.out("apply", "-f", "-", stdin=SERVICE)
    assert kubectl.until(
        lambda: rows(kubectl.out("get", "svc", "web"))["web"][3] == "198.18.100.1", 20.0
    ), kubectl.out("get", "svc", "web")
