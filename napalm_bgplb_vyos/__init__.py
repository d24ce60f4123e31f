"""NAPALM driver `bgplb_vyos`: VyOS with FRR, for `napalm.get_network_driver("bgplb_vyos")`.

Only the driver class is exported: napalm takes the first NetworkDriver subclass it finds here.
Importing it leaves napalm's other vendor drivers unimported (lazy_napalm.py).
"""

from napalm_bgplb_vyos import lazy_napalm

lazy_napalm.install()

from napalm_bgplb_vyos.driver import BgplbVyosDriver  # noqa: E402

__all__ = ["BgplbVyosDriver"]
