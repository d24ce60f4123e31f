"""Phase selection and the rules for which phases still run after a failure."""

from __future__ import annotations

import importlib
import sys

import pytest

from bgplb.deploy.ledger import Entry, Ledger, Outcome
from bgplb.deploy.phases import Hosts, Phase, PhaseTable, PhaseTableError, Scope
from bgplb.errors import InputError
from bgplb.model import load_site
from tasks.phases import PHASES

PHASE_NAMES = PHASES.names
select_phases = PHASES.select

ALL_BUT_VMS = tuple(n for n in PHASE_NAMES if n != "vms")


def test_default_runs_every_phase_but_vms_in_order() -> None:
    assert select_phases(None, None) == ALL_BUT_VMS
    assert ALL_BUT_VMS[0] == "bootstrap"
    assert ALL_BUT_VMS[-1] == "audit"


def test_tags_and_skip_tags() -> None:
    assert select_phases("router,bootstrap", None) == ("bootstrap", "router")
    assert select_phases(None, "audit,vms") == ALL_BUT_VMS[:-1]
    assert select_phases("vms", None) == ("vms",)


def test_unknown_phase_is_bad_input() -> None:
    with pytest.raises(InputError, match="'routers'"):
        select_phases("routers", None)


def test_failed_control_plane_stops_what_needs_it_but_not_the_router() -> None:
    site = load_site("inventory")
    ledger = Ledger(site, PHASES)
    selected = ALL_BUT_VMS
    for host in PHASES.hosts_of(site, "bootstrap"):
        ledger.record(Entry("bootstrap", host, Outcome.OK))
    ledger.record(Entry("control-plane", "master01", Outcome.FAILED, "kubeadm init failed"))
    assert ledger.blocker("join", "worker01", selected) == "control-plane failed on master01"
    assert ledger.blocker("cni", "master01", selected) == "control-plane failed on master01"
    assert ledger.blocker("router", "vyos", selected) is None


def test_failed_worker_blocks_only_its_own_join() -> None:
    site = load_site("inventory")
    ledger = Ledger(site, PHASES)
    selected = ALL_BUT_VMS
    ledger.record(Entry("bootstrap", "master01", Outcome.OK))
    ledger.record(Entry("bootstrap", "worker01", Outcome.FAILED, "ssh: connection refused"))
    ledger.record(Entry("bootstrap", "worker02", Outcome.CHANGED))
    ledger.record(Entry("control-plane", "master01", Outcome.CHANGED))
    assert ledger.blocker("join", "worker01", selected) == "bootstrap failed on worker01"
    assert ledger.blocker("join", "worker02", selected) is None
    assert ledger.blocker("cni", "master01", selected) is None


def test_unselected_prerequisites_are_assumed_done() -> None:
    site = load_site("inventory")
    ledger = Ledger(site, PHASES)
    assert ledger.blocker("join", "worker01", ("join",)) is None


def test_a_missing_task_module_fails_at_import(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tasks.vms", None)  # as if tasks/vms.py were not there
    monkeypatch.delitem(sys.modules, "tasks.phases")
    with pytest.raises(ImportError, match=r"tasks\.vms"):
        importlib.import_module("tasks.phases")


def test_a_missing_task_function_fails_at_import(monkeypatch: pytest.MonkeyPatch) -> None:
    import tasks.kubeadm

    monkeypatch.delattr(tasks.kubeadm, "join")
    monkeypatch.delitem(sys.modules, "tasks.phases")
    with pytest.raises(ImportError, match="'join'"):
        importlib.import_module("tasks.phases")


def _phase(name: str, needs: tuple[str, ...] = ()) -> Phase:
    return Phase(name, name, needs, Scope.CLUSTER, Hosts.ROUTER, PHASES["router"].task)


def test_a_phase_may_only_need_an_earlier_phase() -> None:
    with pytest.raises(PhaseTableError, match="'b' needs 'c', which is not an earlier phase"):
        PhaseTable((_phase("a"), _phase("b", ("a", "c")), _phase("c")))
    with pytest.raises(PhaseTableError, match="'a' is listed twice"):
        PhaseTable((_phase("a"), _phase("a")))


def test_every_phase_has_its_own_task_and_hosts() -> None:
    site = load_site("inventory")
    assert {p.name: p.task.__name__ for p in PHASES}["join"] == "join"
    assert len({p.task for p in PHASES}) == len(PHASE_NAMES)
    assert PHASES.hosts_of(site, "join") == ("worker01", "worker02")
    assert PHASES.hosts_of(site, "audit") == ("vyos",)
    assert PHASES.hosts_of(site, "vms") == ("kvm",)
    assert PHASES.hosts_of(site, "bootstrap") == ("master01", "worker01", "worker02")
