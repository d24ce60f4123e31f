"""Importing the driver (or Nornir built by bgplb) leaves napalm's other vendor drivers
unimported, and napalm stays napalm: its lookup, its other drivers on demand, its attributes.

Each case runs in a fresh interpreter: `sys.modules` of the test process already holds napalm.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
VENDORS = ("napalm.eos", "napalm.ios", "napalm.iosxr", "napalm.junos", "napalm.nxos")


def run(code: str) -> Any:
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_the_driver_imports_no_other_vendor_driver() -> None:
    got = run(
        "import json, sys\n"
        "import napalm_bgplb_vyos\n"
        "from napalm import get_network_driver\n"
        "from nornir_napalm.plugins.connections import Napalm\n"
        "driver = get_network_driver('bgplb_vyos')\n"
        "print(json.dumps({'same': driver is napalm_bgplb_vyos.BgplbVyosDriver,\n"
        f"  'loaded': [m for m in {VENDORS!r} if m in sys.modules]}}))"
    )
    assert got == {"same": True, "loaded": []}


def test_napalm_is_whole_when_asked() -> None:
    """Another vendor driver is found by name; any other attribute runs napalm's own
    __init__, which then imports its drivers as it always does."""
    got = run(
        "import json, sys\n"
        "import napalm_bgplb_vyos\n"
        "import napalm\n"
        "eos = napalm.get_network_driver('eos').__name__\n"
        "before = [m for m in ('napalm.junos', 'napalm.ios') if m in sys.modules]\n"
        "drivers = napalm.SUPPORTED_DRIVERS\n"
        "print(json.dumps({'eos': eos, 'before': before, 'drivers': drivers,\n"
        "  'version': napalm.__version__,\n"
        f"  'loaded': [m for m in {VENDORS!r} if m in sys.modules]}}))"
    )
    assert got["eos"] == "EOSDriver"
    assert got["before"] == []
    assert "junos" in got["drivers"]
    assert got["version"][0].isdigit()
    assert got["loaded"] == list(VENDORS)


def test_already_imported_napalm_is_left_alone() -> None:
    got = run(
        "import json, sys\n"
        "import napalm\n"
        "from napalm_bgplb_vyos import lazy_napalm\n"
        "print(json.dumps({'installed': lazy_napalm.install(), 'lazy': lazy_napalm.is_lazy(),\n"
        "  'junos': 'napalm.junos' in sys.modules}))"
    )
    assert got == {"installed": False, "lazy": False, "junos": True}
