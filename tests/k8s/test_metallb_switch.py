"""The MetalLB switch from ConfigMap to CRDs: its plan (pure) and the runbook's refusals before
any contact. The switch itself under load is tests/k8s/twin/test_metallb_switch.py."""

from __future__ import annotations

import json
from collections.abc import Callable
from ipaddress import IPv4Address
from typing import Any

import pytest
import yaml
from rich.console import Console

from bgplb.errors import InputError
from bgplb.k8s.metallb_config import render_configmap, render_crds
from bgplb.k8s.metallb_switch import LiveMetallb, plan_switch
from bgplb.k8s.metallb_switch_report import plan_document, render_plan
from bgplb.model import Site
from bgplb.secrets import MASK
from runbooks import migrate_metallb
from tests.k8s.conftest import Files, metallb, site_data

MakeSite = Callable[[Callable[[Files], None]], Site]
PASSWORD_ENV = "BGPLB_TEST_SWITCH_PASSWORD"
OLD_PASSWORD = "old-bgp-password-1234"
LB = IPv4Address("192.168.100.10")
V096 = (0, 9, 6)


def with_password(f: Files) -> None:
    metallb("0.14.9", control_plane_announces=True)(f)
    site_data(f)["metallb"]["password_env"] = PASSWORD_ENV


@pytest.fixture
def target(make_site: MakeSite) -> Site:
    return make_site(metallb("0.14.9", control_plane_announces=True))


@pytest.fixture
def reference(make_site: MakeSite) -> Site:
    """The reference lab as it runs: 0.9.6, the ConfigMap the deploy rendered."""
    return make_site(metallb("0.9.6", control_plane_announces=True))


def running_config(site: Site, env: dict[str, str] | None = None) -> str:
    return str(render_configmap(site, env or {})[0]["data"]["config"])


def live_for(
    site: Site, config: str | None, routes: dict[IPv4Address, set[str]] | None = None
) -> LiveMetallb:
    addresses = {n.name: n.address for n in site.nodes}
    hops = routes if routes is not None else {LB: set(addresses)}
    return LiveMetallb(
        configmap=config,
        speakers=dict.fromkeys(addresses, V096),
        node_labels={n: {"kubernetes.io/hostname": n} for n in addresses},
        routes={ip: frozenset(addresses[n] for n in nodes) for ip, nodes in hops.items()},
    )


def test_the_reference_configmap_switches_to_what_the_deploy_renders(
    reference: Site, target: Site
) -> None:
    plan = plan_switch(target, live_for(target, running_config(reference)), [], {})
    assert plan.refusals == ()
    assert plan.differences == ()
    assert plan.source == "0.9.6" and plan.target == "0.14.9"
    assert plan.order == ("worker01", "worker02", "master01")  # the control plane last
    assert [d["kind"] for d in plan.converted] == ["BGPPeer", "IPAddressPool", "BGPAdvertisement"]
    assert plan.converted[0]["spec"]["holdTime"] == "1m30s"  # the tool's: 0.9's default, written
    assert list(plan.resources) == render_crds(target, {})
    assert plan.carried == {n.name: (LB,) for n in target.nodes}
    # 0.14.2+ honours the exclude label: the control plane keeps announcing (as on 0.9.6)
    assert "master01" in plan.label_patches


def test_the_speaker_daemonset_is_applied_on_delete_and_crds_come_first(
    reference: Site, target: Site
) -> None:
    ds = {"name": "speaker", "namespace": "metallb-system"}
    manifest = [
        {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": ds, "spec": {}},
        {
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {"name": "bgppeers.metallb.io"},
            "spec": {},
        },
    ]
    plan = plan_switch(target, live_for(target, running_config(reference)), manifest, {})
    assert [d["kind"] for d in plan.crds] == ["CustomResourceDefinition"]
    assert plan.rest[0]["spec"]["updateStrategy"] == {"type": "OnDelete"}
    assert "updateStrategy" not in manifest[0]["spec"]  # the caller's documents untouched


def test_a_password_is_compared_never_shown(
    make_site: MakeSite, reference: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = make_site(with_password)
    old = yaml.safe_load(running_config(reference))
    old["peers"][0]["password"] = OLD_PASSWORD
    config = yaml.safe_dump(old)
    monkeypatch.setenv(PASSWORD_ENV, "another-password-5678")
    plan = plan_switch(
        target, live_for(target, config), [], {PASSWORD_ENV: "another-password-5678"}
    )
    assert [(d.severity, d.what) for d in plan.differences] == [
        ("error", "session to 192.168.30.254: the BGP password differs")
    ] * 3
    assert plan.refusals and plan.passwords == (OLD_PASSWORD,)
    console = Console(record=True, width=200)
    render_plan(plan, console)
    shown = console.export_text() + json.dumps(plan_document(plan))
    assert OLD_PASSWORD not in shown and "another-password-5678" not in shown
    assert MASK in shown
    # the same password: no difference
    same = plan_switch(target, live_for(target, config), [], {PASSWORD_ENV: OLD_PASSWORD})
    assert same.differences == () and same.refusals == ()


def test_a_pool_the_inventory_lacks_is_a_refusal(reference: Site, target: Site) -> None:
    old = yaml.safe_load(running_config(reference))
    old["address-pools"].append(
        {"name": "extra", "protocol": "bgp", "addresses": ["192.168.102.0/24"]}
    )
    plan = plan_switch(target, live_for(target, yaml.safe_dump(old)), [], {})
    assert {d.what for d in plan.differences} == {"stops advertising pool extra"}
    assert len(plan.refusals) == 3
    assert "would move routes" in plan.refusals[0]


def test_other_timers_are_a_warning_not_a_refusal(reference: Site, target: Site) -> None:
    old = yaml.safe_load(running_config(reference))
    old["peers"][0]["hold-time"] = "9s"
    plan = plan_switch(target, live_for(target, yaml.safe_dump(old)), [], {})
    assert {(d.severity, d.what) for d in plan.differences} == {
        ("warning", "session to 192.168.30.254: hold/keepalive 9/3 s becomes 90/30 s")
    }
    assert plan.refusals == ()


def test_an_lb_ip_with_one_next_hop_is_refused_unless_forced(reference: Site, target: Site) -> None:
    live = live_for(target, running_config(reference), {LB: {"worker02"}})
    plan = plan_switch(target, live, [], {})
    assert plan.refusals == (
        "LB IP 192.168.100.10: node worker02 is its only next hop; replacing its speaker "
        "withdraws the route (--force to accept)",
    )
    assert plan_switch(target, live, [], {}, force=True).refusals == ()


def test_nothing_to_switch_and_a_missing_configmap_are_refusals(
    reference: Site, target: Site
) -> None:
    live = live_for(target, running_config(reference))
    done = LiveMetallb(
        live.configmap, dict.fromkeys(live.speakers, (0, 14, 9)), live.node_labels, live.routes
    )
    assert any("nothing to switch" in r for r in plan_switch(target, done, [], {}).refusals)
    gone = LiveMetallb(None, live.speakers, live.node_labels, live.routes)
    assert plan_switch(target, gone, [], {}).refusals == (
        "ConfigMap metallb-system/config is missing while speakers of 0.9.6 run",
    )


def test_a_broken_configmap_is_bad_input_naming_it(target: Site) -> None:
    with pytest.raises(InputError, match=r"cluster: ConfigMap metallb-system/config: key config: "):
        plan_switch(target, live_for(target, "peers: [unclosed"), [], {})


def test_an_inventory_still_on_the_configmap_is_bad_input(reference: Site) -> None:
    with pytest.raises(InputError) as err:
        plan_switch(reference, live_for(reference, running_config(reference)), [], {})
    assert "defaults.yaml: defaults: data.site.metallb.version: 0.9.6" in str(err.value)


# ---------------------------------------------------------------- the runbook, before contact


def never(_site: Site) -> Any:
    raise AssertionError("contacted")


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    with pytest.raises(SystemExit) as exit_:
        migrate_metallb.main([*argv, "--json"], connect=never)
    return int(str(exit_.value.code)), json.loads(capsys.readouterr().out)


def test_runbook_bad_input_contacts_nothing(
    reference: Site,
    target: Site,
    make_site: MakeSite,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, doc = run(["--inventory", str(reference.inventory_dir), "--yes"], capsys)
    assert code == 2 and "data.site.metallb.version: 0.9.6" in doc["problems"][0]["message"]
    code, doc = run(["--inventory", str(target.inventory_dir)], capsys)
    assert code == 2 and "--yes" in doc["problems"][0]["message"]
    code, doc = run(
        ["--inventory", str(target.inventory_dir), "--dry-run", "--timeout", "0"], capsys
    )
    assert code == 2 and "--timeout 0" in doc["problems"][0]["message"]
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    unset = make_site(with_password)
    code, doc = run(["--inventory", str(unset.inventory_dir), "--dry-run"], capsys)
    assert code == 2 and PASSWORD_ENV in doc["problems"][0]["message"]


# ---------------------------------------------------------------- the runbook on a stand-in cluster


class FakeCore:
    """The Kubernetes reads the switch's planning makes, answered from data."""

    def __init__(self, config: str, nodes: list[str]) -> None:
        self.config, self.nodes = config, nodes

    def read_namespaced_config_map(self, name: str, namespace: str, **_: Any) -> dict[str, Any]:
        return {"metadata": {"name": name, "namespace": namespace}, "data": {"config": self.config}}

    def list_node(self, **_: Any) -> dict[str, Any]:
        return {"items": [{"metadata": {"name": n, "labels": {}}} for n in self.nodes]}

    def list_namespaced_pod(self, namespace: str, **_: Any) -> dict[str, Any]:
        ready = {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}
        container = {"name": "speaker", "image": "metallb/speaker:v0.9.6"}
        return {
            "items": [
                {
                    "metadata": {"name": f"speaker-{n}", "labels": {"component": "speaker"}},
                    "spec": {"nodeName": n, "containers": [container]},
                    "status": ready,
                }
                for n in self.nodes
            ]
        }

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the plan changed something: {name}")


class FakeRouter:
    def get_route_to(self, destination: str, protocol: str, longer: bool) -> dict[str, Any]:
        return {}


def connect_with(config: str) -> Callable[[Site], Any]:
    from tasks.metallb_switch import Io

    def connect(site: Site) -> Any:
        core = FakeCore(config, [n.name for n in site.nodes])
        return Io(core, object(), FakeRouter()), lambda: None

    return connect


def test_runbook_dry_run_prints_the_plan_and_changes_nothing(
    reference: Site, make_site: MakeSite, capsys: pytest.CaptureFixture[str]
) -> None:
    target = make_site(with_password)
    old = yaml.safe_load(running_config(reference))
    old["peers"][0]["password"] = OLD_PASSWORD
    argv = ["--inventory", str(target.inventory_dir), "--dry-run", "--json"]
    env = {PASSWORD_ENV: OLD_PASSWORD}
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        mp.setattr(migrate_metallb, "_inputs", lambda _site, _args: [])
        code = migrate_metallb.main(argv, connect=connect_with(yaml.safe_dump(old)))
    out = capsys.readouterr()
    assert code == 0, out.err
    assert OLD_PASSWORD not in out.out + out.err
    doc = json.loads(out.out)
    assert doc["dry_run"] and doc["ok"]
    assert doc["plan"]["converted"][0]["spec"]["password"] == MASK
    assert doc["plan"]["order"] == ["worker01", "worker02", "master01"]


def test_runbook_refuses_a_broken_configmap_naming_it(
    target: Site, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(migrate_metallb, "_inputs", lambda _site, _args: [])
    argv = ["--inventory", str(target.inventory_dir), "--dry-run", "--json"]
    code = migrate_metallb.main(argv, connect=connect_with("peers: [unclosed"))
    doc = json.loads(capsys.readouterr().out)
    assert code == 2 and doc["error"] == "refused"
    assert "cluster: ConfigMap metallb-system/config: key config:" in doc["problems"][0]["message"]
