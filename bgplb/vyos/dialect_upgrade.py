"""The VyOS BGP dialect change (`protocols bgp <ASN>` -> `local-as` -> `system-as`, ...), planned
from the version the router reports (pure).

An image upgrade runs vyos-1x's migration scripts on the saved configuration at boot
(`src/migration-scripts/bgp/<N>-to-<N+1>`, vyos/vyos-1x 3710c5879f57), from the config's `bgp`
syntax version up to the image's (`VyosDialect.bgp_syntax_version`). They are re-done here, as
functions over configuration paths, so that:
- a config the migrator already moved is recognised (its paths are already the new ones: the
  plan has no line, and says the image did it);
- a config that was not moved (loaded without migration, or typed in the old form where the
  new grammar still takes it, as a neighbor without `address-family ipv4-unicast`) gets the
  set/delete lines that do what the migrator would have done;
- before an image upgrade, the preview shows what the migrator will do.

The steps, each with its upstream commit:
- bgp/0-to-1 (73557d68b, 2021-03-29): `protocols bgp <ASN> X` -> `protocols bgp X` and
  `protocols bgp local-as <ASN>`.
- bgp/1-to-2 (74a8c4b42, 2021-10-04): `no bgp default ipv4-unicast` became the default:
  `parameters default no-ipv4-unicast` is deleted when set; otherwise every neighbor without
  `address-family ipv4-unicast` (itself or through its peer-group) gets it, to keep IPv4.
  Also `neighbor N address-family ipv6-unicast peer-group G` -> `neighbor N peer-group G`.
- bgp/2-to-3 (967c53e2f, 2022-07-19): `local-as` -> `system-as` (also under `vrf name V`).
- bgp/3-to-4 (7d642a286, 2023-04-12): `protocols bgp route-map R` -> `system ip protocol bgp
  route-map R` (VRFs: `vrf name V ip protocol bgp route-map R`).
- bgp/4-to-5 (32a13411f, 2024-02-01): route-target vpn `import`/`export` deleted where `both`
  is set (default VRF and VRFs, ipv4 and ipv6).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bgplb.secrets import MASK
from bgplb.vyos.dialects import BgpSyntax, VyosDialect
from bgplb.vyos.paths import BGP, Path, parse_show_commands, render_delete, render_set

Paths = list[Path]


def _bgp_roots(paths: Paths) -> list[Path]:
    """`protocols bgp` and every `vrf name V protocols bgp` present."""
    vrfs = sorted({p[:3] for p in paths if p[:2] == ("vrf", "name") and len(p) > 3})
    roots = [BGP] if any(p[:2] == BGP for p in paths) else []
    return roots + [(*v, *BGP) for v in vrfs if any(p[:5] == (*v, *BGP) for p in paths)]


def _under(paths: Paths, prefix: Path) -> Paths:
    return [p for p in paths if p[: len(prefix)] == prefix]


def step_0_to_1(paths: Paths) -> Paths:
    tagged = sorted({p[2] for p in paths if p[:2] == BGP and len(p) > 2 and p[2].isdigit()})
    if len(tagged) != 1:
        return paths  # no BGP, or not the tag-ASN form (upstream: "Nothing to do")
    asn = tagged[0]
    out = [p for p in paths if p[:3] != (*BGP, asn)]
    out += [(*BGP, *p[3:]) for p in paths if p[:3] == (*BGP, asn) and len(p) > 3]
    return [*out, (*BGP, "local-as", asn)]


def step_1_to_2(paths: Paths) -> Paths:
    if not any(p[:2] == BGP for p in paths):
        return paths
    out = list(paths)
    no_v4 = (*BGP, "parameters", "default", "no-ipv4-unicast")
    if any(p[: len(no_v4)] == no_v4 for p in out):
        out = [p for p in out if p[: len(no_v4)] != no_v4]
    else:
        for n in sorted({p[3] for p in out if p[:3] == (*BGP, "neighbor") and len(p) > 3}):
            base = (*BGP, "neighbor", n)
            group = (*base, "peer-group")
            groups = [p[-1] for p in out if p[:-1] == group]
            if any(
                _under(out, (*BGP, "peer-group", g, "address-family", "ipv4-unicast"))
                for g in groups
            ):
                continue
            afi = (*base, "address-family", "ipv4-unicast")
            if not _under(out, afi):
                out.append(afi)
    for n in sorted({p[3] for p in out if p[:3] == (*BGP, "neighbor") and len(p) > 3}):
        v6 = (*BGP, "neighbor", n, "address-family", "ipv6-unicast", "peer-group")
        moved = [p[len(v6)] for p in out if p[: len(v6)] == v6 and len(p) == len(v6) + 1]
        if moved:
            out = [p for p in out if p[: len(v6)] != v6]
            out.append((*BGP, "neighbor", n, "peer-group", moved[0]))
    return out


def step_2_to_3(paths: Paths) -> Paths:
    out = []
    for p in paths:
        root = next((r for r in _bgp_roots(paths) if p[: len(r) + 1] == (*r, "local-as")), None)
        out.append((*root, "system-as", *p[len(root) + 1 :]) if root else p)
    return out


def step_3_to_4(paths: Paths) -> Paths:
    out = list(paths)
    for root in _bgp_roots(paths):
        rm = (*root, "route-map")
        values = [p[len(rm)] for p in out if p[: len(rm)] == rm and len(p) == len(rm) + 1]
        if not values:
            continue
        where = ("system", "ip") if root == BGP else (*root[:3], "ip")
        out = [p for p in out if p[: len(rm)] != rm]
        out.append((*where, "protocol", "bgp", "route-map", values[0]))
    return out


def step_4_to_5(paths: Paths) -> Paths:
    out = list(paths)
    for root in _bgp_roots(paths):
        for family in ("ipv4-unicast", "ipv6-unicast"):
            rt = (*root, "address-family", family, "route-target", "vpn")
            if _under(out, (*rt, "both")):
                out = [p for p in out if p[: len(rt) + 1] not in ((*rt, "import"), (*rt, "export"))]
    return out


@dataclass(frozen=True)
class Step:
    script: str  # vyos-1x src/migration-scripts/...
    commit: str
    what: str
    to_version: int
    apply: Callable[[Paths], Paths]


STEPS: tuple[Step, ...] = (
    Step("bgp/0-to-1", "73557d68b 2021-03-29", "tag ASN -> local-as", 1, step_0_to_1),
    Step("bgp/1-to-2", "74a8c4b42 2021-10-04", "neighbors keep IPv4 unicast", 2, step_1_to_2),
    Step("bgp/2-to-3", "967c53e2f 2022-07-19", "local-as -> system-as", 3, step_2_to_3),
    Step("bgp/3-to-4", "7d642a286 2023-04-12", "route-map -> system ip protocol", 4, step_3_to_4),
    Step("bgp/4-to-5", "32a13411f 2024-02-01", "route-target vpn both wins", 5, step_4_to_5),
)


def config_form(paths: Sequence[Path]) -> BgpSyntax | None:
    """Which BGP form the configuration is written in (None: no BGP)."""
    bgp = [p for p in paths if p[:2] == BGP and len(p) > 2]
    if not bgp:
        return None
    if any(p[2].isdigit() for p in bgp):
        return BgpSyntax.TAG_ASN
    if any(p[2] == "local-as" for p in bgp):
        return BgpSyntax.LOCAL_AS
    return BgpSyntax.SYSTEM_AS


_FORM_FIRST = {BgpSyntax.TAG_ASN: 0, BgpSyntax.LOCAL_AS: 1, BgpSyntax.SYSTEM_AS: 3}


@dataclass(frozen=True)
class StepOutcome:
    step: Step
    changes: int  # paths it adds or removes on this configuration


def migrate(paths: Sequence[Path], start: int, end: int) -> tuple[Paths, tuple[StepOutcome, ...]]:
    """The configuration after the steps from syntax version `start` to `end`."""
    current = list(paths)
    outcomes = []
    for step in STEPS:
        if start < step.to_version <= end:
            after = step.apply(current)
            outcomes.append(StepOutcome(step, len(set(after) ^ set(current))))
            current = after
    return current, tuple(outcomes)


def lines_between(before: Sequence[Path], after: Sequence[Path]) -> list[str]:
    """Delete and set lines taking `before` to `after`: each removed subtree deleted at its
    highest node that keeps nothing (nor gains anything), then every added path set."""
    old, new = set(before), set(after)
    removed = old - new
    deletes: list[Path] = []
    for p in sorted(removed):
        if any(p[: len(d)] == d for d in deletes):
            continue
        cut = p
        for n in range(3, len(p) + 1):
            prefix = p[:n]
            olds = [q for q in old if q[:n] == prefix]
            if all(q in removed for q in olds) and not any(q[:n] == prefix for q in new):
                cut = prefix
                break
        deletes.append(cut)
    sets = [p for p in after if p not in old]
    return [render_delete(d) for d in deletes] + [render_set(p) for p in dict.fromkeys(sets)]


def masked(line: str) -> str:
    """A line as shown: the value after a `password` word is `********` (the router's
    passwords are read from its config, not only from the inventory's variables)."""
    words = line.split(" ")
    for i, word in enumerate(words[:-1]):
        if word == "password":
            words[i + 1] = MASK
    return " ".join(words)


@dataclass(frozen=True)
class DialectPlan:
    reported: str  # the router's version (show version)
    reported_dialect: VyosDialect
    declared: str  # the inventory's vyos_version
    declared_dialect: VyosDialect
    form: BgpSyntax | None  # what the running configuration is written in
    steps: tuple[StepOutcome, ...]  # from the config's syntax version to the router's
    lines: tuple[str, ...]  # set/delete lines for the router as it runs now
    preview: tuple[str, ...] = ()  # what the image upgrade to the declared version will do
    notes: tuple[str, ...] = ()
    refusals: tuple[str, ...] = ()


def plan_dialect_change(
    running_commands: str,
    reported: str,
    reported_dialect: VyosDialect,
    declared: str,
    declared_dialect: VyosDialect,
    inventory_key: str,
) -> DialectPlan:
    """Plan from the router's reported version. `inventory_key` names the inventory's
    vyos_version (file, host, key) in notes and refusals."""
    paths = parse_show_commands(running_commands)
    form = config_form(paths)
    target = reported_dialect.bgp_syntax_version
    start = _FORM_FIRST[form] if form else target
    # a local-as config on a router of syntax >= 2: 1-to-2 ran if the inventory's (older)
    # dialect already had it, or if the router's version has it and the form says 1..2
    if form is BgpSyntax.LOCAL_AS:
        start = max(start, min(declared_dialect.bgp_syntax_version, 2))
    after, steps = migrate(paths, start, target)
    lines = tuple(lines_between(paths, after))
    notes: list[str] = []
    refusals: list[str] = []
    preview: tuple[str, ...] = ()
    if declared_dialect.bgp_syntax_version < target and not lines:
        scripts = ", ".join(s.step.script for s in steps) or "nothing to move"
        notes.append(
            f"the image's migrator already moved the configuration from {declared_dialect.name} "
            f"to {reported_dialect.name} ({scripts})"
        )
    if declared_dialect.name != reported_dialect.name:
        notes.append(
            f"{inventory_key}: {declared} ({declared_dialect.name}) is not what the router "
            f"reports: {reported} ({reported_dialect.name}); set it to {reported}"
        )
    if declared_dialect.bgp_syntax_version > target:
        ahead, _ = migrate(after, target, declared_dialect.bgp_syntax_version)
        preview = tuple(lines_between(after, ahead))
        refusals.append(
            f"{inventory_key}: {declared} ({declared_dialect.name}) is newer than the router's "
            f"{reported} ({reported_dialect.name}): upgrade the router's image first; its "
            "migrator then does what the preview shows"
        )
    return DialectPlan(
        reported=reported,
        reported_dialect=reported_dialect,
        declared=declared,
        declared_dialect=declared_dialect,
        form=form,
        steps=steps,
        lines=lines,
        preview=preview,
        notes=tuple(notes),
        refusals=tuple(refusals),
    )
