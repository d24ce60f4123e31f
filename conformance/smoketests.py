"""(b) Upstream's own smoketests (vyos-1x 1.4.0 smoketest/scripts/cli) run against the emulator.

The test files are executed unchanged; the modules they import from a VyOS image are replaced
by a shim: `VyOSUnitTestSHIM.TestCase.cli_set/cli_delete/cli_commit` drive one emulated 1.4.0
router in-process (its RouterState, as an SSH session would), `getFRRconfig` reads the FRR
configuration that router last applied (the `sed -n "/^X$/,/^!/p"` of the real shim), and
`process_named_running` is a constant (no daemon restarts in-process). No root, no network,
no process is started.

A `set` the emulator refuses while upstream's grammar accepts the path makes the test
out-of-scope (the emulator does not translate that path, so it refuses it). In a class's
setUpClass such refusals are recorded and the class still runs: its tests then stand or fall
by their own paths.
"""

from __future__ import annotations

import re
import sys
import tempfile
import types
import unittest
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.grammar import Verdict, check_path
from conformance.references import Reference
from lab.vyos.config_tree import ConfigNode, delete_path, set_path
from lab.vyos.router_state import NO_CHANGES, RouterState
from lab.vyos.versions import RouterVersion

SMOKETESTS = ("test_protocols_bgp.py", "test_protocols_bfd.py")
ETHERNETS = ("eth0", "eth1")
_PID = 4242


class ConfigSessionError(Exception):
    """vyos.configsession.ConfigSessionError: what a refused set or failed commit raises."""


class OutOfScope(Exception):
    """A path upstream accepts and the emulator refuses at `set`."""


class _Backend:
    """RouterBackend keeping the FRR text the router applied (nothing leaves the process)."""

    def __init__(self) -> None:
        self.frr = ""

    def run(self, argv: list[str]) -> tuple[str, int]:
        raise RuntimeError(f"the conformance shim runs no command: {argv}")

    def apply_frr(self, frr_config: str) -> str | None:
        self.frr = frr_config
        return None

    def set_sysctl(self, key: str, value: str) -> None:
        pass

    def show_arp(self) -> str:
        return ""

    def show_interfaces(self) -> str:
        return ""


@dataclass
class _Scheduler:
    """No commit-confirm timer ever fires in the shim."""

    def __call__(self, _delay: float, _callback: Callable[[], None]) -> _Scheduler:
        return self

    def cancel(self) -> None:
        pass


@dataclass
class Session:
    """One emulated router and the working config of the smoketest's ConfigSession."""

    router: RouterVersion
    reference: Reference
    backend: _Backend = field(default_factory=_Backend)
    refused: list[str] = field(default_factory=list)  # out-of-scope paths of the current test
    class_setup: bool = False
    setup_refused: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="bgplb-conformance-")
        lines = [
            f"set interfaces ethernet {name} address '198.18.{i}.1/24'"
            for i, name in enumerate(ETHERNETS)
        ]
        lines.append("set system host-name 'vyos'")
        self.state = RouterState(
            self.router,
            "vyos",
            Path(self._dir.name) / "config.boot",
            self.backend,
            initial_commands=lines,
            scheduler=_Scheduler(),
        )
        self.state.apply_active()
        self.working: ConfigNode = self.state.active.clone()

    def set(self, path: list[str]) -> None:
        words = [str(w) for w in path]
        result = set_path(self.working, self.state.schema, words)
        if result.ok:
            return
        upstream = check_path(self.reference.root, words)
        if upstream.verdict is Verdict.BAD and self._covered(words):
            raise ConfigSessionError(result.output)  # upstream refuses it too, as expected
        line = "set " + " ".join(words)
        if self.class_setup:
            self.setup_refused.append(line)
            return
        self.refused.append(line)
        raise OutOfScope(line)

    def _covered(self, words: list[str]) -> bool:
        """Whether the reference dir holds the grammar of this feature (`protocols bgp`,
        `system ip`, ...): the files there cover a few features, not all of VyOS."""
        top = self.reference.root.children.get(words[0]) if words else None
        return top is not None and len(words) > 1 and words[1] in top.children

    def delete(self, path: list[str]) -> None:
        # a path the emulator cannot hold is never in its config: deleting it deletes nothing
        delete_path(self.working, self.state.schema, [str(w) for w in path])

    def commit(self) -> None:
        outcome = self.state.commit(self.working, "vyos")
        if not outcome.ok and outcome.output != NO_CHANGES:
            raise ConfigSessionError(outcome.output)
        self.working = self.state.active.clone()

    def frr_config(self, string: str | None, end: str, endsection: str, daemon: str) -> str:
        text = self.backend.frr if daemon in ("", "bgpd", "zebra", "staticd") else ""
        if not string:
            return text
        return sed_range(text, f"^{string}{end}", endsection)


def sed_range(text: str, start: str, stop: str) -> str:
    """`sed -n "/start/,/stop/p"`: every range from a start line to the next stop line."""
    out: list[str] = []
    inside = False
    for line in text.splitlines():
        if not inside:
            if re.search(start, line):
                inside = True
                out.append(line)
        else:
            out.append(line)
            if re.search(stop, line):
                inside = False
    return "\n".join(out) + ("\n" if out else "")


def _shim_modules(session: Session) -> dict[str, types.ModuleType]:
    class TestCase(unittest.TestCase):
        @classmethod
        def setUpClass(cls) -> None:
            session.class_setup = True

        @classmethod
        def tearDownClass(cls) -> None:
            session.class_setup = False

        def cli_set(self, config: list[str]) -> None:
            session.set(config)

        def cli_delete(self, config: list[str]) -> None:
            session.delete(config)

        def cli_commit(self) -> None:
            session.class_setup = False
            session.commit()

        def getFRRconfig(  # noqa: N802 - upstream's name
            self,
            string: str | None = None,
            end: str = "$",
            endsection: str = "^!",
            daemon: str = "",
            _replace: Any = None,
        ) -> str:
            return session.frr_config(string, end, endsection, daemon)

    def cmd(command: str, *_args: object, **_kwargs: object) -> str:
        raise RuntimeError(f"the conformance shim runs no command: {command}")

    class Section:
        @staticmethod
        def interfaces(section: str = "", vlan: bool = True) -> list[str]:  # noqa: ARG004
            return list(ETHERNETS) if section in ("", "ethernet") else []

    def is_ipv6(value: str) -> bool:
        return ":" in value

    def module(name: str, **attrs: object) -> types.ModuleType:
        mod = types.ModuleType(name)
        for key, value in attrs.items():
            setattr(mod, key, value)
        return mod

    shim = type("VyOSUnitTestSHIM", (), {"TestCase": TestCase})
    return {
        "base_vyostest_shim": module("base_vyostest_shim", VyOSUnitTestSHIM=shim),
        "vyos": module("vyos"),
        "vyos.ifconfig": module("vyos.ifconfig", Section=Section),
        "vyos.configsession": module("vyos.configsession", ConfigSessionError=ConfigSessionError),
        "vyos.template": module("vyos.template", is_ipv6=is_ipv6),
        "vyos.utils": module("vyos.utils"),
        "vyos.utils.process": module(
            "vyos.utils.process", process_named_running=lambda *_a: _PID, cmd=cmd
        ),
    }


PASS = "pass"
OUT_OF_SCOPE = "out-of-scope"
WRONG_TRANSLATION = "wrong translation"
IN_SCOPE_FAILURE = "in-scope failure"


@dataclass
class TestVerdict:
    test: str
    verdict: str
    detail: str = ""


class _Result(unittest.TestResult):
    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.verdicts: list[TestVerdict] = []
        self._failure: tuple[str, BaseException | None] | None = None

    def startTest(self, test: unittest.TestCase) -> None:  # noqa: N802 - unittest API
        super().startTest(test)
        self.session.class_setup = False  # setUpClass is over once a test starts
        self.session.refused = []
        self._failure = None

    def _record(self, kind: str, err: Any) -> None:
        if self._failure is None:
            self._failure = (kind, err[1])

    def addError(self, test: unittest.TestCase, err: Any) -> None:  # noqa: N802
        super().addError(test, err)
        if not isinstance(test, unittest.TestCase):  # setUpClass/tearDownClass failed
            text = f"{err[0].__name__}: {err[1]}"
            self.verdicts.append(TestVerdict(str(test), IN_SCOPE_FAILURE, text))
            return
        self._record("error", err)

    def addFailure(self, test: unittest.TestCase, err: Any) -> None:  # noqa: N802
        super().addFailure(test, err)
        self._record("failure", err)

    def stopTest(self, test: unittest.TestCase) -> None:  # noqa: N802
        super().stopTest(test)
        name = test.id().rsplit(".", 1)[-1]
        if self.session.refused:
            verdict = TestVerdict(name, OUT_OF_SCOPE, self.session.refused[0])
        elif self._failure is None:
            verdict = TestVerdict(name, PASS)
        else:
            kind, exc = self._failure
            text = str(exc).strip().splitlines()[0] if exc is not None and str(exc) else kind
            if isinstance(exc, AssertionError) and "not raised" not in str(exc):
                verdict = TestVerdict(name, WRONG_TRANSLATION, text)
            else:
                verdict = TestVerdict(name, IN_SCOPE_FAILURE, f"{type(exc).__name__}: {text}")
        self.verdicts.append(verdict)


@dataclass
class FileReport:
    file: str
    verdicts: list[TestVerdict]
    setup_refused: list[str]

    def counts(self) -> Counter[str]:
        return Counter(v.verdict for v in self.verdicts)


def run_smoketest(path: Path, router: RouterVersion, reference: Reference) -> FileReport:
    """Run one upstream test file against a fresh emulated router."""
    session = Session(router, reference)
    saved = {name: sys.modules.get(name) for name in _shim_modules(session)}
    sys.modules.update(_shim_modules(session))
    try:
        namespace: dict[str, Any] = {"__name__": f"upstream_{path.stem}", "__file__": str(path)}
        exec(compile(path.read_text(), str(path), "exec"), namespace)
        suite = unittest.TestSuite()
        loader = unittest.TestLoader()
        for value in list(namespace.values()):
            ours = isinstance(value, type) and value.__module__ == namespace["__name__"]
            if ours and issubclass(value, unittest.TestCase):
                suite.addTests(loader.loadTestsFromTestCase(value))
        result = _Result(session)
        suite.run(result)
    finally:
        for name, mod in saved.items():
            if mod is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = mod
    return FileReport(path.name, result.verdicts, session.setup_refused)
