"""Load goes to loopback only, unless the user explicitly allows a remote target."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from strangler_core.errors import ConfigError


def is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_target(url: str, allow_remote: bool) -> None:
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
        raise ConfigError(f"load target {url!r} is not an http(s) URL")
    if not allow_remote and not is_loopback_url(url):
        raise ConfigError(
            f"refusing to send load to {url}: not a loopback address. Load tests against a "
            "remote host must be allowed explicitly (ALLOW_REMOTE=1 / --allow-remote)."
        )
