"""Pure-Python emulation of the VyOS CLI for the local twin (no networking, no SSH).

Entry points for the SSH server: `RouterState`, `RouterBackend`, `VyosShell`, `Reply`
(see shell.py and router_state.py).
"""
