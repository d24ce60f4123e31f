"""Secrets kept out of nornir.log: a logging filter that masks their values in every record."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from bgplb.cli import redact


class RedactingFilter(logging.Filter):
    def __init__(self, secrets: Sequence[str]) -> None:
        super().__init__()
        self.secrets = list(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            record.msg = redact(record.getMessage(), self.secrets)
            record.args = None
            if record.exc_info:
                text = logging.Formatter().formatException(record.exc_info)
                record.exc_text = redact(text, self.secrets)
                record.exc_info = None
                record.msg = f"{record.msg}\n{record.exc_text}"
                record.exc_text = None
        return True


NORNIR_LOG = "nornir.log"
_FORMAT = "%(asctime)s - %(name)12s - %(levelname)8s - %(funcName)10s() - %(message)s"


def configure_nornir_log(secrets: Sequence[str], path: str | Path = NORNIR_LOG) -> Path:
    """nornir.log (in the working directory) for the "nornir" logger, secrets masked.

    Replaces the handlers of an earlier call, so a process can run several runbooks.
    """
    logger = logging.getLogger("nornir")
    for handler in list(logger.handlers):
        if getattr(handler, "bgplb", False):
            logger.removeHandler(handler)
            handler.close()
    target = Path(path).resolve()
    handler = logging.FileHandler(target, encoding="utf-8")
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.addFilter(RedactingFilter(secrets))
    handler.bgplb = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # nothing unmasked reaches stderr through the root logger
    return target
