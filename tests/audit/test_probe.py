"""Probe command and output reading."""

from __future__ import annotations

from ipaddress import IPv4Address

from bgplb.audit.probe import ProbeTarget, parse_probe, probe_command

T = ProbeTarget(IPv4Address("198.18.100.10"), 80)


def test_command_is_bounded_and_one_connection_per_request() -> None:
    cmd = probe_command(T, 5, 1.5)
    assert cmd == (
        "for i in $(seq 1 5); do curl -s -m 1.5 -w '\\n@@%{http_code}\\n' "
        "http://198.18.100.10:80/; done"
    )


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
    (finding,) = check_probe(obs, ())
    assert finding.severity is Severity.ERROR
    assert finding.object == "c01 -> 198.18.100.10:80"
    assert finding.actual.startswith("3/4 answered")
    assert "no answer (timeout or refused) x1" in finding.hint
