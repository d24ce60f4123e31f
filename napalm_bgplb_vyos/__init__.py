"""NAPALM driver `bgplb_vyos`: VyOS with FRR, for `napalm.get_network_driver("bgplb_vyos")`.

Only the driver class is exported: napalm takes the first NetworkDriver subclass it finds here.
"""

from napalm_bgplb_vyos.driver import BgplbVyosDriver

__all__ = ["BgplbVyosDriver"]
