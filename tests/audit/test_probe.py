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
