"""The site model: the inventory validated once into typed objects every task and check takes."""

from bgplb.model.environment import unset_secrets
from bgplb.model.load import load_site
from bgplb.model.problems import InventoryProblems, Problem
from bgplb.model.site import Client, Hypervisor, K8sNode, Router, Site

__all__ = [
    "Client",
    "Hypervisor",
    "InventoryProblems",
    "K8sNode",
    "Problem",
    "Router",
    "Site",
    "load_site",
    "unset_secrets",
]
