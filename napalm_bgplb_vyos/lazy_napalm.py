"""`napalm` as a lazy package: its submodules import without its `__init__`.

`import napalm` runs napalm/__init__.py, which imports every vendor driver (eos, ios, iosxr,
junos, nxos, ...: about 0.4 s and most of their dependencies) before anything can reach
`napalm.base`, even for a program that drives one VyOS router. `install()` puts a `napalm`
module in `sys.modules` made from napalm's own import spec but not executed: its `__path__` is
napalm's folder, so `napalm.base`, `napalm.base.models` or `napalm.eos` import as usual, each
when first asked for.

It stays napalm for every caller:
- `napalm.get_network_driver(name)` is napalm's own function (from `napalm.base`); a driver is
  imported when named, `napalm.eos` as much as `napalm_bgplb_vyos`;
- any other attribute (`napalm.SUPPORTED_DRIVERS`, `napalm.__version__`, `from napalm import
  X`) runs the real `napalm/__init__.py` in the same module first, once, under a lock, so
  code that wants napalm's eager imports still gets them.
napalm's `__init__` imports its drivers eagerly "to fix a threading deadlock on
get_network_driver()": the drivers this toolkit uses are imported before any worker thread
starts (bgplb/nornir_init.py), so a thread only finds them in `sys.modules`.

Nothing happens when `napalm` is already imported: then it is the real package.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
from types import ModuleType
from typing import Any

NAME = "napalm"
_lock = threading.RLock()


def _complete(module: ModuleType) -> None:
    """Run napalm's real `__init__` in `module` (once)."""
    with _lock:
        if module.__dict__.pop("__getattr__", None) is None:
            return  # another thread completed it
        module.__dict__.pop("get_network_driver", None)
        spec = module.__spec__
        assert spec is not None
        assert spec.loader is not None
        spec.loader.exec_module(module)


def _get_network_driver(name: str, prepend: bool = True) -> Any:
    from napalm.base import get_network_driver  # type: ignore[attr-defined]

    return get_network_driver(name, prepend)


def install() -> bool:
    """Make `napalm` lazy unless it is imported already; True if this call did it."""
    with _lock:
        if NAME in sys.modules:
            return False
        spec = importlib.util.find_spec(NAME)
        if spec is None or spec.loader is None or spec.submodule_search_locations is None:
            return False  # not installed as a package: the import fails where it is used
        module = importlib.util.module_from_spec(spec)

        def __getattr__(attr: str) -> Any:  # noqa: N807  (PEP 562 module hook)
            _complete(module)
            return getattr(module, attr)

        module.__getattr__ = __getattr__  # type: ignore[method-assign]
        module.get_network_driver = _get_network_driver  # type: ignore[attr-defined]
        sys.modules[NAME] = module
        return True


def is_lazy() -> bool:
    """Whether `napalm` is the lazy module and its `__init__` has not run."""
    module = sys.modules.get(NAME)
    return module is not None and "__getattr__" in module.__dict__
