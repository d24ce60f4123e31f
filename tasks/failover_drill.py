"""One node's failover drill, in time order: read what protects it, start the clients, cut
its link (self-restoring), time the router's withdraw, collect the clients' loss, restore the
link, wait for the route to come back. A failure at any step is reported in the NodeDrill,
and the link is restored whatever happened (and restores itself after `cut_s` regardless)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from ipaddress import IPv4Address
from typing import Any

from nornir.core import Nornir
from nornir.core.task import AggregatedResult

from bgplb.failover.drill import (
    LossWindow,
    NodeLink,
    Sample,
    loss_window,
    not_a_next_hop,
    policy_at,
)
from bgplb.failover.report import NodeDrill
from bgplb.model import Site
from bgplb.nornir_init import init_nornir
from tasks.failover import SHELL, client_samples, cut_link, node_interface, restore_link
from tasks.failover import router_next_hops as next_hops


@dataclass(frozen=True)
class DrillOptions:
    via: str = SHELL  # the connection the node's link is cut through
    max_cut_s: float = 240.0  # the cut restores itself after at most this
    restore_timeout_s: float = 180.0  # for the route to come back after the restore
    margin_s: float = 5.0  # the cut lasts, and the clients sample, the detection bound + 2 x this
    poll_s: float = 0.25


@dataclass
class _Clients:
    result: AggregatedResult | None = None
    error: str = ""
    thread: threading.Thread | None = field(default=None, repr=False)


def protection(liveness: dict[str, Any]) -> tuple[str, float | None]:
    """(mode text, the detection bound in s) from the driver's get_bgp_peer_liveness entry."""
    hold = liveness.get("hold_ms")
    keep = liveness.get("keepalive_ms")
    timers = (
        f"hold {hold / 1000:g} s / keepalive {keep / 1000:g} s"
        if isinstance(hold, int) and isinstance(keep, int)
        else "timers unknown"
    )
    if liveness.get("bfd_status") == "Up":
        return f"BFD up, {timers}", 3.0
    if isinstance(hold, int) and hold > 0:
        return timers, hold / 1000
    return timers, None


def _first_failure(result: AggregatedResult, what: str) -> str:
    for name, multi in result.items():
        if multi.failed:
            exc = next((r.exception for r in multi if r.exception is not None), None)
            return f"{what} on {name}: {exc or multi[0].result}"
    return ""


def drill_node(
    site: Site,
    node: str,
    target: tuple[IPv4Address, int],
    options: DrillOptions,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> NodeDrill:
    address = site.node(node).address
    nr_router = init_nornir(site, {site.router.name})
    nr_node = init_nornir(site, {node})
    clients = sorted(c.name for c in site.clients)
    nr_clients = init_nornir(site, set(clients)) if clients else None
    device = nr_router.inventory.hosts[site.router.name].get_connection("napalm", nr_router.config)
    link: NodeLink | None = None
    mode, cut_s, withdraw_s = "?", options.max_cut_s, None
    loss: dict[str, LossWindow] = {}
    error = ""
    try:
        live = device.get_bgp_peer_liveness()["global"].get(str(address), {})
        mode, bound = protection(live)
        cut_s = min(options.max_cut_s, (bound or options.max_cut_s) + 2 * options.margin_s)
        if address not in next_hops(device, target[0]):
            raise RuntimeError(not_a_next_hop(node, target[0], policy_at(site, target[0])))
        found = nr_node.run(task=node_interface, site=site, via=options.via)
        if found[node].failed:
            raise RuntimeError(_first_failure(found, "finding the node's interface"))
        link = found[node][0].result
        sampler = start_clients(
            nr_clients, site, target, min(cut_s, (bound or cut_s) + 2 * options.margin_s)
        )
        sleep(1.0)  # a baseline before the cut
        cut = nr_node.run(task=cut_link, site=site, link=link, seconds=cut_s, via=options.via)
        if cut[node].failed:
            raise RuntimeError(_first_failure(cut, "cutting the link"))
        t0 = clock()
        while clock() - t0 < cut_s:
            if address not in next_hops(device, target[0]):
                withdraw_s = clock() - t0
                break
            sleep(options.poll_s)
        loss, error = collect_loss(sampler)
    except Exception as exc:  # reported per node; the restore below runs regardless
        error = f"{type(exc).__name__}: {exc}"
    restored, back_s, restore_error = _restore(
        site, nr_node, device, node, address, link, target[0], options, cut_s, clock, sleep
    )
    for nr in (nr_router, nr_node, nr_clients):
        if nr is not None:
            nr.close_connections()
    return NodeDrill(
        node=node,
        mode=mode,
        cut_s=cut_s,
        withdraw_s=withdraw_s,
        loss=loss,
        restored=restored,
        route_back_s=back_s,
        error="; ".join(e for e in (error, restore_error) if e),
        traffic_policy=policy_at(site, target[0]),
    )


def start_clients(
    nr: Nornir | None, site: Site, target: tuple[IPv4Address, int], duration_s: float
) -> _Clients:
    state = _Clients()
    if nr is None:
        return state

    def run() -> None:
        try:
            state.result = nr.run(
                task=client_samples,
                site=site,
                address=target[0],
                port=target[1],
                duration_s=duration_s,
            )
        except Exception as exc:
            state.error = f"clients: {exc}"

    state.thread = threading.Thread(target=run, daemon=True)
    state.thread.start()
    return state


def collect_loss(state: _Clients) -> tuple[dict[str, LossWindow], str]:
    if state.thread is not None:
        state.thread.join()
    if state.result is None:
        return {}, state.error
    loss: dict[str, LossWindow] = {}
    for name, multi in state.result.items():
        if not multi.failed:
            samples: list[Sample] = multi[0].result
            loss[name] = loss_window(samples)
    return loss, state.error or _first_failure(state.result, "sampling")


def _restore(
    site: Site,
    nr_node: Nornir,
    device: Any,
    node: str,
    address: IPv4Address,
    link: NodeLink | None,
    lb_ip: IPv4Address,
    options: DrillOptions,
    cut_s: float,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
) -> tuple[bool, float | None, str]:
    """Link up (explicitly; the cut also restores itself after cut_s), then the route back."""
    if link is None:
        return True, None, ""  # nothing was cut
    error = ""
    result = nr_node.run(task=restore_link, site=site, link=link, via=options.via)
    if result[node].failed:  # e.g. the management path went over the cut link: the cut's own
        error = _first_failure(result, "restoring the link")  # timer restores it
    t0 = clock()
    while clock() - t0 < options.restore_timeout_s + (cut_s if error else 0):
        try:
            if address in next_hops(device, lb_ip):
                return True, clock() - t0, error  # a failed restore command stays reported
        except Exception as exc:  # the router may be busy: keep trying until the deadline
            last = f"reading the router: {exc}"
            error = f"{error}; {last}" if error and last not in error else error or last
        sleep(1.0)
    return (
        False,
        None,
        error
        or (f"{node} is not a next hop of {lb_ip} again within {options.restore_timeout_s:g} s"),
    )
