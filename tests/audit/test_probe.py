"""Probe command and output reading."""

from __future__ import annotations

import os
import subprocess
from ipaddress import IPv4Address
from pathlib import Path

from bgplb.audit.probe import ProbeTarget, parse_probe, probe_command

T = ProbeTarget(IPv4Address("198.18.100.10"), 80)


def test_command_is_bounded_and_one_connection_per_request() -> None:
    cmd = probe_command(T, 5, 1.5)
    assert cmd == (
        "for i in $(seq 1 5); do (r=$(curl -s -m 1.5 -w '\\n@@%{http_code}' "
        "http://198.18.100.10:80/); printf '%s\\n' \"$r\") & "
        "[ $((i % 32)) -eq 0 ] && wait; done; wait"
    )


FAKE_CURL = """#!/bin/sh
# the probe's curl, faked: each request marks itself running, records how many requests run
# beside it, and takes 1 s (the -m bound of a dead next hop); odd PIDs answer as a node, even
# ones time out
touch "$STATE/run.$$"
ls "$STATE" | grep -c '^run[.]' > "$STATE/seen.$$"
sleep 1
rm "$STATE/run.$$"
if [ $(( $$ % 2 )) -eq 0 ]; then printf '\\n@@000'; exit 28; fi
printf '{"node": "worker01"}\\n@@200'
"""


def test_dead_hop_costs_one_timeout_per_batch_not_one_per_request(tmp_path: Path) -> None:
    """The real command in sh with a curl that takes 1 s per request: 12 requests run in
    batches of 6 (several at once, never more than 6; one after the other would be 1 at a
    time), and every answer is read back whole."""
    bin_dir, state = tmp_path / "bin", tmp_path / "state"
    bin_dir.mkdir()
    state.mkdir()
    curl = bin_dir / "curl"
    curl.write_text(FAKE_CURL)
    curl.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "STATE": str(state)}
    out = subprocess.run(
        ["sh", "-c", probe_command(T, 12, 1, concurrent=6)],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    result = parse_probe(T, 12, out)
    seen = [int(f.read_text()) for f in state.glob("seen.*")]
    assert len(seen) == 12
    assert not list(state.glob("run.*"))
    assert 1 < max(seen) <= 6, f"requests running at once: {sorted(seen)}"
    assert result.successes + sum(int(e.rsplit("x", 1)[1]) for e in result.errors) == 12
    assert sum(result.by_node.values()) == result.successes


def test_answers_failures_and_missing_results() -> None:
    text = (
        '{"node": "worker01", "client": "c01"}\n@@200\n'
        "<html>nginx</html>\n@@200\n"
        "\n@@000\n"
        "oops\n@@503\n"
    )
    r = parse_probe(T, 5, text)
    assert (r.requests, r.successes) == (5, 2)
    assert dict(r.by_node) == {"worker01": 1}
    assert set(r.errors) == {
        "no answer (timeout or refused) x1",
        "HTTP 503 x1",
        "1 request(s) without a result x1",
    }


def test_a_pod_behind_kube_proxy_counts_for_the_node_it_came_through() -> None:
    pod = '{"pod": "web-1", "node": "worker01", "via": "master01", "client": "198.18.30.50"}'
    node = '{"node": "worker02", "client": "c01"}'
    r = parse_probe(T, 3, f"{pod}\n@@200\n{pod}\n@@200\n{node}\n@@200\n")
    assert dict(r.by_node) == {"master01": 2, "worker02": 1}


def test_requests_lost_on_some_paths_fail_the_probe() -> None:
    from bgplb.audit.checks_traffic import check_probe
    from bgplb.audit.findings import Severity
    from bgplb.audit.observations import GatherFailure, Observations, ProbeObservation

    lost = "\n@@000\n"
    ok = '{"pod": "web-1", "node": "worker01", "via": "worker01"}\n@@200\n'
    result = parse_probe(T, 4, ok * 3 + lost)
    obs = Observations(
        GatherFailure("router", "vyos", "-"),
        GatherFailure("cluster", "master01", "-"),
        (ProbeObservation("c01", (result,)),),
        probe_requested=True,
    )
    from bgplb.model import load_site

    site = load_site("inventory/lab")
    (finding,) = [f for f in check_probe(site, obs, ()) if f.object.startswith("c01 ->")]
    assert finding.severity is Severity.ERROR
    assert finding.object == "c01 -> 198.18.100.10:80"
    assert finding.actual.startswith("3/4 answered")
    assert "no answer (timeout or refused) x1" in finding.hint
