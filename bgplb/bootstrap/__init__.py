"""Node bootstrap as pure plans: each step a check, its "already done" condition, its commands."""

from bgplb.bootstrap.repos import LegacyReposRefused
from bgplb.bootstrap.steps import BootstrapPlan, Expect, Step, plan_bootstrap

__all__ = ["BootstrapPlan", "Expect", "LegacyReposRefused", "Step", "plan_bootstrap"]
