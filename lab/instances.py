"""The twin's FRR instances: one per router and node namespace, pathspace named as it."""

from __future__ import annotations

from bgplb.model import Site
from lab.frr import Instance
from lab.state import LabPaths
from lab.topology import ns_name

ROUTER_DAEMONS = ("zebra", "bgpd", "staticd", "bfdd")  # bfdd: `protocols bfd`, neighbor `bfd`
NODE_DAEMONS = ("zebra", "bgpd", "bfdd")  # bfdd: MetalLB FRR mode BFD profiles


def router_instance(site: Site) -> Instance:
    ns = ns_name(site.router.name)
    return Instance(ns, ns, ROUTER_DAEMONS, LabPaths.of(site), site.router.name)


def node_instance(site: Site, node_name: str) -> Instance:
    ns = ns_name(node_name)
    return Instance(ns, ns, NODE_DAEMONS, LabPaths.of(site), node_name)
