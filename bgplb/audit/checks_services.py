"""Checks on the cluster side: MetalLB itself, Service addresses, and stale router routes."""

from __future__ import annotations

from bgplb.audit.findings import Finding, error, passed, warning
from bgplb.audit.naming import hops, node_names, unavailable
from bgplb.audit.observations import ClusterObservation, GatherFailure, RouterObservation
from bgplb.audit.semantics import version_label
from bgplb.model import Site


def check_metallb(site: Site, cluster: ClusterObservation | GatherFailure) -> list[Finding]:
    """MetalLB as the inventory says: config readable, version, controller, speaker per node."""
    if isinstance(cluster, GatherFailure):
        return [unavailable("metallb", "metallb-system", cluster, "cluster state")]
    out: list[Finding] = []
    if cluster.config is None:
        out.append(
            error(
                "metallb",
                "MetalLB config",
                f"{site.metallb.dialect} config readable",
                cluster.config_error or "missing",
                "apply the MetalLB configuration (deploy runbook)",
            )
        )
    else:
        out.append(
            passed(
                "metallb",
                "MetalLB config",
                f"{cluster.config.dialect}: "
                f"{len(cluster.config.pools)} pool(s), {len(cluster.config.peers)} peer(s)",
            )
        )
    seen = cluster.metallb_version
    if seen is None:
        out.append(
            warning(
                "metallb",
                "MetalLB version",
                site.metallb.version,
                "unknown (speaker image tags missing or disagree)",
                "expectations use the inventory's version",
            )
        )
    elif seen != site.metallb.version_tuple:
        out.append(
            warning(
                "metallb",
                "MetalLB version",
                site.metallb.version,
                version_label(seen),
                "expectations follow the running version; update the inventory",
            )
        )
    else:
        out.append(passed("metallb", "MetalLB version", site.metallb.version))
    if not any(p.ready for p in cluster.controllers):
        out.append(
            error(
                "metallb",
                "controller",
                "1 ready controller pod",
                f"{len(cluster.controllers)} pod(s), none ready",
                "without the controller no Service gets an address",
            )
        )
    else:
        out.append(passed("metallb", "controller", "ready"))
    for node in cluster.nodes:
        obj = f"speaker on {node.name}"
        pods = [p for p in cluster.speakers if p.node == node.name]
        if any(p.ready for p in pods):
            out.append(passed("metallb", obj, "ready"))
            continue
        actual = "no pod" if not pods else f"{len(pods)} pod(s), none ready"
        state = "node Ready" if node.ready else "node NotReady"
        out.append(
            error(
                "metallb",
                obj,
                "ready",
                f"{actual} ({state})",
                "the node announces nothing while its speaker is down",
            )
        )
    return out


def check_stale_routes(
    site: Site,
    router: RouterObservation | GatherFailure,
    cluster: ClusterObservation | GatherFailure,
) -> list[Finding]:
    """5. no pool address routed on the router that no Service holds."""
    if isinstance(router, GatherFailure):
        return [unavailable("stale-route", "pool routes", router, "router routes")]
    if isinstance(cluster, GatherFailure):
        return [unavailable("stale-route", "pool routes", cluster, "Services")]
    names = node_names(site, cluster)
    held = {ip for svc in cluster.services for ip in svc.ingress_ips}
    out: list[Finding] = []
    for route in router.routes:
        ip = route.host_address
        if ip is None or ip in held:
            continue
        out.append(
            error(
                "stale-route",
                str(ip),
                "no route (no Service holds the address)",
                f"routed via {hops(route.received, names)}",
                "a speaker still announces a deleted Service's address: check "
                "`kubectl get svc -A` and the speakers' logs on those nodes",
            )
        )
    if not out:
        pools = ", ".join(str(p) for p in router.pools_queried) or "none"
        out.append(passed("stale-route", f"pools {pools}", "only addresses Services hold"))
    return out


def check_service_addresses(
    site: Site, cluster: ClusterObservation | GatherFailure
) -> list[Finding]:
    """6. every LoadBalancer Service holds an address, inside a pool, as the inventory says."""
    if isinstance(cluster, GatherFailure):
        return [unavailable("service-address", "LoadBalancer Services", cluster, "Services")]
    out: list[Finding] = []
    for svc in cluster.services:
        obj = f"service {svc.key}"
        if not svc.ingress_ips:
            requested = ", ".join(map(str, svc.requested_ips)) or "any"
            out.append(
                error(
                    "service-address",
                    obj,
                    f"an address ({requested})",
                    "pending: no ingress IP",
                    "requested address outside every pool or taken, pool exhausted, "
                    "or the MetalLB controller is not running",
                )
            )
            continue
        for ip in svc.ingress_ips:
            in_config = cluster.config is not None and cluster.config.pool_of(ip) is not None
            if not in_config and site.pool_of(ip) is None:
                out.append(
                    error(
                        "service-address",
                        obj,
                        "an address inside a MetalLB pool",
                        f"{ip} is outside every pool",
                        "MetalLB did not assign it: another controller did, or the "
                        "pool was shrunk after assignment",
                    )
                )
            elif not in_config:
                out.append(
                    error(
                        "service-address",
                        obj,
                        "an address inside a MetalLB pool",
                        f"{ip} is in inventory pool {site.pool_of(ip)} but not in the "
                        "running MetalLB config",
                        "apply the MetalLB configuration",
                    )
                )
            else:
                out.append(passed("service-address", obj, f"{ip} in a pool"))
        if svc.requested_ips and set(svc.requested_ips) != set(svc.ingress_ips):
            out.append(
                warning(
                    "service-address",
                    obj,
                    ", ".join(map(str, svc.requested_ips)) + " (requested)",
                    ", ".join(map(str, svc.ingress_ips)),
                )
            )
    for spec in site.services:
        key = f"{spec.namespace}/{spec.name}"
        found = next((s for s in cluster.services if s.key == key), None)
        if found is None:
            out.append(
                warning(
                    "service-address",
                    f"service {key}",
                    "deployed (inventory)",
                    "not found in the cluster",
                    "run the deploy runbook",
                )
            )
        elif spec.lb_ip and spec.lb_ip not in found.ingress_ips:
            out.append(
                warning(
                    "service-address",
                    f"service {key}",
                    f"{spec.lb_ip} (inventory)",
                    ", ".join(map(str, found.ingress_ips)) or "none",
                )
            )
    return out
