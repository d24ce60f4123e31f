"""Secret values looked up from the environment variables the inventory names."""

from __future__ import annotations

from collections.abc import Mapping

from bgplb.errors import InputError


def env_secret(env: Mapping[str, str], name: str | None, where: str) -> str | None:
    """The value of the variable `name` (None when no variable is named); unset is bad input."""
    if name is None:
        return None
    value = env.get(name)
    if not value:
        raise InputError(f"{where}: environment variable {name} is not set")
    return value
