"""`--watch`: rounds over one gather session, what changed between rounds, a line per change
when stdout is not a terminal, a live view when it is; bounded by --count."""

from __future__ import annotations

import io
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager

import pytest
from rich.console import Console

from bgplb.audit.findings import Finding, Severity, error, passed
from bgplb.audit.observations import Observations
from bgplb.audit.watch import changes
from bgplb.model import Site, load_site
from runbooks import audit
from tasks.audit_gather import GatherOptions

from . import replay

TWIN = str(replay.TWIN)


def test_changes_are_new_gone_and_moved_findings_only() -> None:
    same = passed("fib", "198.18.100.10", "in the FIB")
    before = [same, passed("announcers", "a", "x"), passed("session", "peer p", "up")]
    after = [
        same,
        error("announcers", "a", "x", "router multipath: none"),
        warning_new := Finding(Severity.WARNING, "stale-route", "b", "none", "routed"),
    ]
    got = changes(before, after)
    assert [(c.check, c.object) for c in got] == [
        ("announcers", "a"),
        ("stale-route", "b"),
        ("session", "peer p"),
    ]
    assert got[0].text == "announcers a: pass (x) -> error (router multipath: none)"
    assert got[1].before is None and got[1].after is warning_new
    assert got[2].after is None and got[2].text == "session peer p: pass (up) -> (none)"
    assert changes(after, after) == []


class FakeRounds:
    """One session (entered once), answering each round from the next scenario."""

    def __init__(self, scenarios: list[str]) -> None:
        self.scenarios = scenarios
        self.entered = 0
        self.rounds = 0
        self.closed = False

    @contextmanager
    def __call__(
        self, site: Site, hosts: Collection[str], options: GatherOptions
    ) -> Iterator[Callable[[], Observations]]:
        self.entered += 1

        def one() -> Observations:
            name = self.scenarios[min(self.rounds, len(self.scenarios) - 1)]
            self.rounds += 1
            return replay.observations(name, replay.site_for(name))

        try:
            yield one
        finally:
            self.closed = True


def test_watch_lines_per_round_and_per_change(capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakeRounds(["healthy", "node_down", "node_down"])
    code = audit.main(["--inventory", TWIN, "--watch", "0", "--count", "3"], rounds=fake)
    out = capsys.readouterr().out.splitlines()
    assert (fake.entered, fake.rounds, fake.closed) == (1, 3, True)
    assert code == 1, "the last round's verdict"
    rounds = [line for line in out if line.startswith("round ")]
    assert [r.split()[1] for r in rounds] == ["1", "2", "3"]
    assert "audit passed" in rounds[0] and "audit FAILED" in rounds[1]
    between = out[out.index(rounds[1]) + 1 : out.index(rounds[2])]
    assert between and all(line.startswith("  changed: ") for line in between)
    assert any("-> error" in line for line in between)
    assert out[-1] == rounds[2], "round 3 changed nothing"


def test_watch_stops_when_interrupted(capsys: pytest.CaptureFixture[str]) -> None:
    calls = 0

    def rounds() -> Observations:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise KeyboardInterrupt
        return replay.observations("healthy", replay.site_for("healthy"))

    site = load_site(replay.TWIN)
    code = audit.watch(site, rounds, Console(file=io.StringIO()), 0.0, None)
    assert (code, calls) == (0, 2)


def test_live_view_on_a_terminal_shows_before_and_after() -> None:
    names = iter(["healthy", "node_down"])
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, color_system=None, width=200)
    site = load_site(replay.TWIN)
    sleeps: list[float] = []
    code = audit.watch(
        site,
        lambda: replay.observations(name := next(names), replay.site_for(name)),
        console,
        5.0,
        2,
        sleep=sleeps.append,
    )
    text = buffer.getvalue()
    assert code == 1
    assert "changes in round 2" in text and "before" in text and "after" in text
    assert len(sleeps) == 1 and 0 < sleeps[0] <= 5.0, "one pause between two rounds"


@pytest.mark.parametrize(
    "argv",
    [
        ["--count", "2"],
        ["--watch", "1", "--json"],
        ["--watch", "-1"],
        ["--watch", "1", "--count", "0"],
    ],
)
def test_bad_watch_options_are_bad_input(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeRounds(["healthy"])
    with pytest.raises(SystemExit) as exc:
        audit.main(["--inventory", TWIN, *argv], rounds=fake)
    assert exc.value.code == 2
    assert fake.entered == 0, "nothing contacted"
    capsys.readouterr()
