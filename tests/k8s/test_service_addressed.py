"""The app phase waits for each LoadBalancer Service's external IP (pure judgement)."""

from __future__ import annotations

from bgplb.k8s.readiness import service_addressed


def svc(*ips: str) -> dict[str, object]:
    return {"status": {"loadBalancer": {"ingress": [{"ip": ip} for ip in ips]}}}


def test_pending_then_the_requested_ip() -> None:
    judge = service_addressed("198.18.100.10")
    assert judge({"status": {"loadBalancer": {}}}) == (False, "no external IP yet (pending)")
    assert judge(svc("198.18.100.11"))[0] is False
    assert judge(svc("198.18.100.10")) == (True, "external IP 198.18.100.10")
    assert service_addressed(None)(svc("198.18.100.3"))[0] is True
