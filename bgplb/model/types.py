"""Constrained scalar types shared by the inventory schemas."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

Asn = Annotated[int, Field(ge=1, le=4294967295, description="BGP AS number, 1..4294967295")]

_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")


def _env_name(value: str) -> str:
    if not _ENV_NAME.match(value):
        # The value is never echoed: it may be the secret itself, pasted by mistake.
        raise ValueError("must be the NAME of an environment variable (A-Z, 0-9, _), not a value")
    return value


EnvName = Annotated[str, AfterValidator(_env_name)]

Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=63)]


class Strict(BaseModel):
    """Every schema rejects unknown keys (typos) and is immutable once validated."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)
