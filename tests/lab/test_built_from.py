"""`lab up` on a twin built from another inventory rebuilds it (the record lab/lifecycle.py
keeps of what the twin was built from), instead of deploying onto the wrong router version."""

from __future__ import annotations

import json
from pathlib import Path

from bgplb.model import load_site
from lab.lifecycle import BUILT_FROM, Lab, _built_from_problem, built_from
from tests.conftest import REPO
from tests.model.mutate import relocated_twin


def test_a_twin_built_from_another_inventory_is_a_problem(tmp_path: Path) -> None:
    state = tmp_path / "state"
    reference = load_site(relocated_twin(REPO / "inventory" / "lab", tmp_path / "a", state))
    current = load_site(
        relocated_twin(REPO / "inventory" / "examples" / "current", tmp_path / "b", state)
    )
    state.mkdir(parents=True, exist_ok=True)
    assert _built_from_problem(Lab.of(reference)) == [
        f"no record of the inventory the twin was built from ({state / BUILT_FROM})"
    ]
    (state / BUILT_FROM).write_text(json.dumps(built_from(reference)))
    assert _built_from_problem(Lab.of(reference)) == []
    [problem] = _built_from_problem(Lab.of(current))
    assert "built from another inventory" in problem and "1.4-rolling-202105210417" in problem
