"""The audit: typed observations, pure expectations and checks, findings and their report.

Layers: `observations` (what was gathered), `parse_router`/`parse_cluster`/`probe`/`flows`
(pure parsers from driver and API shapes), `expect` (what MetalLB should make the router see),
`checks` (one pure function per check), `report` (rich and JSON). I/O lives in tasks/audit_*.py.
"""
