"""The bootstrap's checks batched into one shell line: the pure render and parse, and the task's
round trips on a converged node (counted, not timed) against in-process emulated nodes."""

from __future__ import annotations

from pathlib import Path

import pytest

from bgplb.bootstrap import plan_bootstrap
from bgplb.bootstrap.shell_status import (
    BEGIN_MARKER,
    MAX_LINE,
    STEP_MARKER,
    batches,
    split_statuses,
    with_statuses,
)
from bgplb.errors import ParseError
from bgplb.model import load_site
from bgplb.nornir_init import init_nornir
from lab.k8s.kubeadm_cluster import LocalCluster
from lab.ubuntu.node_state import NodeStore
from lab.ubuntu.shell import UbuntuShell
from tasks.bootstrap import bootstrap
from tests.bootstrap.fake_node import attach_emulated_nodes
from tests.conftest import REPO


def test_each_command_is_followed_by_its_own_status_marker() -> None:
    line = with_statuses(["test -d /etc", "grep -c x /etc/hosts"])
    assert line == (
        f"echo {BEGIN_MARKER}$?; "
        f"test -d /etc; echo {STEP_MARKER}0:$?; grep -c x /etc/hosts; echo {STEP_MARKER}1:$?"
    )


def test_the_emulated_shell_runs_a_batch_and_each_status_is_its_commands(tmp_path: Path) -> None:
    store = NodeStore(tmp_path / "n.json", "n", "ubuntu-20.04")
    shell = UbuntuShell(store, LocalCluster(tmp_path / "cluster.json"), "198.18.30.9")
    commands = ["echo one && echo two", "test -d /nonexistent", "cat /etc/hostname"]
    text = shell.handle(with_statuses(commands)).output
    outputs = split_statuses(text, 3, "batch")
    assert outputs[0] == ("one\ntwo", 0)
    assert outputs[1] == ("", 1)
    assert outputs[2][1] == 0 and outputs[2][0].strip() == "n"


def test_output_without_a_final_newline_stays_with_its_command() -> None:
    text = f"{BEGIN_MARKER}0\na\nb{STEP_MARKER}0:0\r\n{STEP_MARKER}1:2\n"
    assert split_statuses(text, 2, "batch") == [("a\nb", 0), ("", 2)]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (f"{BEGIN_MARKER}0\nx\n{STEP_MARKER}0:0\n", "1 of 2 statuses"),  # cut short
        (f"{BEGIN_MARKER}0\n{STEP_MARKER}1:0\n{STEP_MARKER}0:0\n", "command 1 where 0 was due"),
        (f"{BEGIN_MARKER}0\nnothing at all\n", "0 of 2 statuses"),
        (f"x\n{STEP_MARKER}0:0\n{STEP_MARKER}1:0\n", "no BGPLB_STEP_BEGIN= line"),
    ],
)
def test_a_missing_or_misplaced_status_is_a_parse_error(text: str, why: str) -> None:
    with pytest.raises(ParseError, match=why):
        split_statuses(text, 2, "batch")


def test_the_echoed_line_however_wrapped_is_dropped() -> None:
    """The line is wider than netmiko's 511-column terminal: its echo comes back cut into
    pieces (here at every 7th character, with the terminal's carriage returns) and is dropped
    up to the begin marker's output; `$?` in the echo is never read as a status."""
    echoed = with_statuses(["true", "grep -c x /etc/hosts"])
    wrapped = " \r".join(echoed[i : i + 7] for i in range(0, len(echoed), 7))
    text = f"{wrapped}\n{BEGIN_MARKER}0\n{STEP_MARKER}0:0\n3\n{STEP_MARKER}1:0\n"
    assert split_statuses(text, 2, "batch") == [("", 0), ("3", 0)]


def test_batches_keep_order_and_stay_within_the_line_limit() -> None:
    commands = [f"test -e /x/{i:04d}" + " " * 200 for i in range(40)]
    groups = batches(commands)
    assert [c for g in groups for c in g] == commands
    assert len(groups) > 1
    assert all(len(with_statuses(g)) <= MAX_LINE for g in groups)
    assert batches(["x" * (MAX_LINE + 10), "y"]) == [["x" * (MAX_LINE + 10)], ["y"]]


def test_the_lab_plan_is_one_line() -> None:
    site = load_site(REPO / "inventory" / "lab")
    plan = plan_bootstrap(site, site.nodes[0], True)
    assert len(batches([s.check for s in plan.steps])) == 1


def _nornir(tmp_path: Path):  # type: ignore[no-untyped-def]
    site = load_site(REPO / "inventory" / "lab")
    nr = init_nornir(site, {n.name for n in site.nodes})
    return site, nr, attach_emulated_nodes(nr, tmp_path)


def test_a_converged_node_costs_one_round_trip(tmp_path: Path) -> None:
    site, nr, conns = _nornir(tmp_path)
    assert not nr.run(task=bootstrap, site=site, allow_legacy=True).failed
    for conn in conns.values():
        conn.sent.clear()
    again = nr.run(task=bootstrap, site=site, allow_legacy=True)
    assert not again.failed and not any(r[0].changed for r in again.values())
    assert {h: len(c.sent) for h, c in conns.items()} == dict.fromkeys(conns, 1)
    dry = nr.run(task=bootstrap, site=site, dry_run=True, allow_legacy=True)
    assert not dry.failed and not any(r[0].changed for r in dry.values())
    assert {h: len(c.sent) for h, c in conns.items()} == dict.fromkeys(conns, 2)


def test_a_step_undone_on_one_node_is_redone_and_later_checks_asked_again(
    tmp_path: Path,
) -> None:
    site, nr, conns = _nornir(tmp_path)
    assert not nr.run(task=bootstrap, site=site, allow_legacy=True).failed
    shell = conns["worker01"].shell
    assert shell.handle("echo x | sudo -n tee /etc/sysctl.d/k8s.conf").status == 0
    for conn in conns.values():
        conn.sent.clear()
    again = nr.run(task=bootstrap, site=site, allow_legacy=True)
    assert not again.failed, {h: r[0].exception for h, r in again.items()}
    assert [h for h, r in again.items() if r[0].changed] == ["worker01"]
    assert again["worker01"][0].diff.startswith("# sysctl-persist")
    sent = conns["worker01"].sent
    plan = plan_bootstrap(site, site.node("worker01"), True)
    names = [s.name for s in plan.steps]
    later = len(names) - names.index("sysctl-persist") - 1
    # the batch, the step's commands, its check again, then each later step's own check
    step = plan.steps[names.index("sysctl-persist")]
    assert len(sent) == 1 + len(step.apply) + 1 + later
    assert [len(c.sent) for h, c in conns.items() if h != "worker01"] == [1, 1]
    third = nr.run(task=bootstrap, site=site, allow_legacy=True)
    assert not any(r[0].changed for r in third.values())
