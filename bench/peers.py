"""The peers the benchmarks compare against, installed by the benchmark itself.

npm's ``serverless@3`` with ``serverless-offline`` (the Lambda path without Docker) goes into a
cache directory of the user's; Debian's nginx (the passthrough) comes from apt. A peer that
cannot be installed is reported as such (``PeerMissing``) and the benchmark goes on without
it, exiting 0: a missing peer is not a failure of the project.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

NPM_PACKAGES = ("serverless@3", "serverless-offline@13")
PEERS_DIR = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "strangler-bench"


class PeerMissing(Exception):
    """A peer could not be installed; the message says why."""


def serverless_offline() -> Path:
    """The ``serverless`` CLI's script, with serverless-offline beside it (npm install)."""
    root = PEERS_DIR / "npm"
    script = root / "node_modules" / "serverless" / "bin" / "serverless.js"
    plugin = root / "node_modules" / "serverless-offline" / "package.json"
    if script.exists() and plugin.exists():
        return script
    if shutil.which("npm") is None or shutil.which("node") is None:
        raise PeerMissing("serverless-offline: node and npm are not installed")
    root.mkdir(parents=True, exist_ok=True)
    print(f"installing {' '.join(NPM_PACKAGES)} with npm into {root} ...", flush=True)
    done = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(root), *NPM_PACKAGES],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if done.returncode != 0 or not script.exists():
        raise PeerMissing(f"serverless-offline: npm install failed: {done.stderr[-400:]}")
    return script


def nginx() -> str:
    """The nginx binary (``apt-get install nginx-light`` when there is none)."""
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if found:
        return found
    if shutil.which("apt-get") is None:
        raise PeerMissing("nginx: not installed and there is no apt-get")
    print("installing Debian's nginx-light with apt-get ...", flush=True)
    done = subprocess.run(
        ["apt-get", "install", "-y", "nginx-light"],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )
    if done.returncode != 0 or not Path("/usr/sbin/nginx").exists():
        raise PeerMissing(f"nginx: apt-get install failed: {done.stderr[-400:]}")
    return "/usr/sbin/nginx"


def wait_for_port(port: int, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError as exc:
            if time.monotonic() > deadline:
                raise PeerMissing(
                    f"{what} did not listen on port {port} in {timeout_s:g} s"
                ) from exc
            time.sleep(0.1)


NGINX_CONF = """
worker_processes 1;
daemon off;
master_process off;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    upstream up {{ server 127.0.0.1:{upstream}; keepalive 64; keepalive_requests 10000000; }}
    server {{
        listen 127.0.0.1:{port};
        keepalive_requests 10000000;  # nginx closes a client connection after 1000 by default
        location / {{
            proxy_pass http://up;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}
    }}
}}
"""


def start_nginx(binary: str, work: Path, port: int, upstream: int) -> subprocess.Popen[bytes]:
    """One nginx worker proxying to ``upstream`` with keep-alive upstream connections."""
    work.mkdir(parents=True, exist_ok=True)
    conf = work / "nginx.conf"
    conf.write_text(NGINX_CONF.format(work=work, port=port, upstream=upstream))
    proc = subprocess.Popen(
        [binary, "-c", str(conf), "-p", str(work)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port, 10, "nginx")
    return proc
