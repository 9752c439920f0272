"""PostgreSQL providers standing in for RDS: embedded (pgserver), container, or a plain URL.

The embedded provider runs the real PostgreSQL binaries that the ``pgserver`` wheel ships, but
starts them itself: pgserver's own ``get_server`` listens on a Unix socket only and cannot set
``max_connections``, and an RDS stand-in should accept TCP on 127.0.0.1 with the instance's
connection limit.

Its superuser has a generated password (``scram-sha-256`` for every connection, TCP and Unix
socket), kept beside the data directory in a file only its owner reads; a data directory
initialised by an older version with ``trust`` gets the password on its first start.
"""

from __future__ import annotations

import importlib.util
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from infra.local.net import port_is_free
from strangler_core.errors import DatabaseError, PortInUseError

SUPERUSER = "postgres"
_SYSTEM_USER_WHEN_ROOT = "pgserver"  # postgres refuses to run as root; pgserver's convention
_START_TIMEOUT_S = 30
_AUTH_METHOD = "scram-sha-256"
_HBA = f"""\
# written by strangler: the superuser's password for every connection
local   all   all                  {_AUTH_METHOD}
host    all   all   127.0.0.1/32   {_AUTH_METHOD}
host    all   all   ::1/128        {_AUTH_METHOD}
"""
_TRUST_LINE = re.compile(r"^\s*(local|host)\S*\s.*\strust\s*$", re.MULTILINE)


@dataclass(frozen=True)
class RunningDatabase:
    """Where a started database answers. ``admin_url`` points at the maintenance database."""

    url: str
    admin_url: str
    pid: int | None


class DatabaseProvider(Protocol):
    def start(self) -> RunningDatabase: ...

    def stop(self) -> None: ...


def _pg_bin(name: str) -> str:
    # Located without importing pgserver: its import creates runtime dirs and lock files.
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        raise DatabaseError("the pgserver package is not installed; run `make setup`")
    return str(Path(spec.submodule_search_locations[0]) / "pginstall" / "bin" / name)


class EmbeddedPostgres:
    """A real PostgreSQL server whose data lives under ``data_dir``; survives the caller's exit."""

    def __init__(
        self,
        data_dir: Path,
        *,
        port: int,
        database: str,
        max_connections: int = 100,
        host: str = "127.0.0.1",
    ) -> None:
        self.data_dir = data_dir.resolve()
        self.port = port
        self.database = database
        self.max_connections = max_connections
        self.host = host
        self.log_path = self.data_dir.parent / "postgres.log"
        self.password_path = self.data_dir.parent / "postgres-password"
        self._run_as = _SYSTEM_USER_WHEN_ROOT if os.geteuid() == 0 else None

    # -- public ---------------------------------------------------------------------------
    def url_for(self, database: str) -> str:
        password = self._password()
        return f"postgresql://{SUPERUSER}:{password}@{self.host}:{self.port}/{database}"

    def start(self) -> RunningDatabase:
        self._ensure_initialised()
        if self._run_as is not None:
            _allow_traversal(self.data_dir.parent)  # the run directory may have been tightened
        running = self.running_pid()
        if running is None:
            if not port_is_free(self.host, self.port):
                raise PortInUseError(
                    f"PostgreSQL port {self.host}:{self.port} is already in use. Stop whatever "
                    "holds it, or set [database] port in strangler.toml."
                )
            self._pg_ctl_start()
            running = self.running_pid()
        self._require_password()
        self._ensure_database()
        return RunningDatabase(
            url=self.url_for(self.database), admin_url=self.url_for("postgres"), pid=running
        )

    def stop(self) -> None:
        if self.running_pid() is None:
            return
        pg_ctl = _pg_bin("pg_ctl")
        result = self._run([pg_ctl, "-D", str(self.data_dir), "-m", "fast", "-w", "stop"])
        if result.returncode != 0:
            raise DatabaseError(f"pg_ctl stop failed: {result.stderr.strip() or result.stdout}")

    def running_pid(self) -> int | None:
        """The postmaster's pid when this data directory's server is alive, else None."""
        pid_file = self.data_dir / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().splitlines()[0])
        except (FileNotFoundError, IndexError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return pid

    # -- internals ------------------------------------------------------------------------
    def _run(self, argv: list[str]) -> subprocess.CompletedProcess[str]:
        if self._run_as is not None and self.data_dir.parent.exists():
            # again on every call: tools such as pytest re-tighten their temp dirs' modes
            _allow_traversal(self.data_dir.parent)
        return subprocess.run(
            argv,
            user=self._run_as,
            # without these the child keeps root's group, and group bits (not "other") apply
            group=self._run_as,
            extra_groups=[] if self._run_as else None,
            capture_output=True,
            text=True,
            timeout=_START_TIMEOUT_S + 10,
            check=False,
            cwd="/",
        )

    def _password(self) -> str:
        """The superuser's password, generated (owner-only file) the first time it is needed."""
        try:
            return self.password_path.read_text().strip()
        except FileNotFoundError:
            pass
        self.password_path.parent.mkdir(parents=True, exist_ok=True)
        password = secrets.token_urlsafe(24)  # URL-safe: goes into DATABASE_URL as it is
        fd = os.open(self.password_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(password + "\n")
        return password

    def _ensure_initialised(self) -> None:
        if (self.data_dir / "PG_VERSION").exists():
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self._run_as is not None:
            self._prepare_for_system_user()
        # initdb reads the password from a file of its own user's, deleted once it is read
        fd, pwfile = tempfile.mkstemp(prefix=".initdb-", dir=self.data_dir.parent)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(self._password() + "\n")
            if self._run_as is not None:
                shutil.chown(pwfile, self._run_as, self._run_as)
            result = self._run(
                [
                    _pg_bin("initdb"),
                    "-D",
                    str(self.data_dir),
                    f"--auth={_AUTH_METHOD}",
                    f"--pwfile={pwfile}",
                    "--encoding=UTF8",
                    "-U",
                    SUPERUSER,
                ]
            )
        finally:
            Path(pwfile).unlink(missing_ok=True)
        if result.returncode != 0:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            raise DatabaseError(f"initdb failed:\n{result.stderr.strip()}")
        self._write_hba()

    def _write_hba(self) -> None:
        # in place: the file keeps its owner (the server's user) and mode
        (self.data_dir / "pg_hba.conf").write_text(_HBA)

    def _require_password(self) -> None:
        """A data directory of an older version trusts every local user: set the password
        (over a trusted connection, the last one) and require it from now on."""
        hba = self.data_dir / "pg_hba.conf"
        if not _TRUST_LINE.search(hba.read_text()):
            return
        import psycopg

        trusted = f"postgresql://{SUPERUSER}@{self.host}:{self.port}/postgres"
        wait_until_accepting(trusted, timeout_s=_START_TIMEOUT_S)
        with psycopg.connect(trusted, autocommit=True) as conn:
            conn.execute("SET password_encryption = 'scram-sha-256'")
            conn.execute(sql_password(SUPERUSER, self._password()))
            self._write_hba()
            conn.execute("SELECT pg_reload_conf()")
        _wait_until_refused(trusted, timeout_s=_START_TIMEOUT_S)

    def _prepare_for_system_user(self) -> None:
        import pwd

        try:
            entry = pwd.getpwnam(_SYSTEM_USER_WHEN_ROOT)
        except KeyError:
            subprocess.run(
                ["useradd", "--system", "--no-create-home", _SYSTEM_USER_WHEN_ROOT],
                check=True,
                capture_output=True,
            )
            entry = pwd.getpwnam(_SYSTEM_USER_WHEN_ROOT)
        _allow_traversal(self.data_dir.parent)
        os.chown(self.data_dir, entry.pw_uid, entry.pw_gid)
        self.log_path.touch()
        os.chown(self.log_path, entry.pw_uid, entry.pw_gid)

    def _pg_ctl_start(self) -> None:
        options = " ".join(
            [
                f"-p {self.port}",
                f"-c listen_addresses={self.host}",
                f"-c max_connections={self.max_connections}",
                f"-c unix_socket_directories='{self.data_dir}'",
                "-c fsync=off",  # a local stand-in: durability across power loss is not the point
            ]
        )
        result = self._run(
            [
                _pg_bin("pg_ctl"),
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_path),
                "-o",
                options,
                "-w",
                "-t",
                str(_START_TIMEOUT_S),
                "start",
            ]
        )
        if result.returncode != 0:
            log_tail = self._log_tail()
            raise DatabaseError(
                f"PostgreSQL did not start (pg_ctl exit {result.returncode}).\n{log_tail}"
            )

    def _log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text().splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    def _ensure_database(self) -> None:
        create_database_if_missing(self.url_for("postgres"), self.database)


class UrlDatabase:
    """A database somebody else runs (a real RDS instance): nothing to start or stop."""

    def __init__(self, url: str) -> None:
        self.url = url

    def start(self) -> RunningDatabase:
        wait_until_accepting(self.url, timeout_s=10)
        return RunningDatabase(url=self.url, admin_url=self.url, pid=None)

    def stop(self) -> None:
        return None


class ContainerPostgres:
    """PostgreSQL in a Docker container through testcontainers; needs a reachable Docker daemon.

    The container must outlive the command that started it, so testcontainers' reaper (Ryuk) is
    disabled and the container id is kept in ``state_dir`` for ``stop``.
    """

    def __init__(self, image: str, database: str, *, state_dir: Path) -> None:
        self.image = image
        self.database = database
        self._id_file = state_dir / "postgres-container.id"

    def start(self) -> RunningDatabase:
        client = self._docker()
        from testcontainers.postgres import PostgresContainer

        if self.is_running():
            container = client.containers.get(self._id_file.read_text().strip())
            container.reload()
            port = container.ports["5432/tcp"][0]["HostPort"]
            url = f"postgresql://test:test@127.0.0.1:{port}/{self.database}"
        else:
            os.environ["TESTCONTAINERS_RYUK_DISABLED"] = "true"
            started = PostgresContainer(self.image, dbname=self.database, driver=None).start()
            self._id_file.write_text(started.get_wrapped_container().id)
            url = started.get_connection_url()
        wait_until_accepting(url, timeout_s=_START_TIMEOUT_S)
        return RunningDatabase(url=url, admin_url=url, pid=None)

    def is_running(self) -> bool:
        if not self._id_file.exists():
            return False
        try:
            container = self._docker().containers.get(self._id_file.read_text().strip())
        except Exception:  # docker's NotFound/APIError: treat as gone
            return False
        return bool(container.status == "running")

    def stop(self) -> None:
        if not self._id_file.exists():
            return
        container = self._docker().containers.get(self._id_file.read_text().strip())
        container.stop()
        container.remove()
        self._id_file.unlink()

    @staticmethod
    def _docker() -> Any:
        try:
            import docker

            client = docker.from_env()
            client.ping()
        except Exception as exc:  # docker raises several unrelated types for "no daemon"
            raise DatabaseError(
                "database provider 'container' needs a running Docker daemon, and none is "
                f'reachable ({exc.__class__.__name__}). Use provider = "embedded" or "url".'
            ) from exc
        return client


def _allow_traversal(directory: Path) -> None:
    """Let the unprivileged server user reach ``directory``: through its group on
    ``directory`` itself (the private run directory: 0710, no access for others), o+x on
    every parent."""
    shutil.chown(directory, group=_SYSTEM_USER_WHEN_ROOT)
    directory.chmod((directory.stat().st_mode & 0o700) | 0o010)
    for part in directory.parents:
        mode = part.stat().st_mode
        if not mode & 0o001:
            part.chmod(mode | 0o001)


def wait_until_accepting(url: str, timeout_s: float) -> None:
    import psycopg

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with psycopg.connect(url, connect_timeout=2):
                return
        except psycopg.OperationalError as exc:
            if time.monotonic() > deadline:
                raise DatabaseError(f"database at {redact(url)} is not reachable: {exc}") from exc
            time.sleep(0.2)


def _wait_until_refused(url: str, timeout_s: float) -> None:
    """Until ``url`` (no password) is refused: the server reloads its pg_hba.conf on a signal,
    in its own time."""
    import psycopg

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with psycopg.connect(url, connect_timeout=2):
                pass
        except psycopg.OperationalError:
            return
        if time.monotonic() > deadline:
            raise DatabaseError(f"PostgreSQL at {url} still accepts connections without password")
        time.sleep(0.05)


def create_database_if_missing(admin_url: str, database: str) -> None:
    import psycopg
    from psycopg import sql

    wait_until_accepting(admin_url, timeout_s=_START_TIMEOUT_S)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        query = "SELECT 1 FROM pg_database WHERE datname = %s"
        exists = conn.execute(query, (database,)).fetchone()
        if exists is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))


def redact(url: str) -> str:
    """The URL with any password replaced, safe to print or log."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


def database_url(url: str, database: str) -> str:
    """``url`` pointing at another database of the same server (query and credentials kept)."""
    from urllib.parse import quote, urlsplit, urlunsplit

    return urlunsplit(urlsplit(url)._replace(path="/" + quote(database, safe="")))


def copy_database(source_url: str, name: str) -> str:
    """A new database ``name`` beside ``source_url``'s, holding a copy of its schema and rows.

    ``pg_dump | pg_restore``, not ``CREATE DATABASE ... TEMPLATE``: a template must have no
    other connections, and a running stack always has some (the monolith, the sandboxes).
    pg_dump reads one MVCC snapshot and takes only ACCESS SHARE locks, so the source is neither
    changed nor blocked. Returns the copy's URL; a failed copy is dropped again.
    """
    import psycopg
    from psycopg import sql

    try:
        with psycopg.connect(source_url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as exc:
        raise DatabaseError(
            f"cannot create the database copy {name} beside {redact(source_url)} (the role "
            f"needs CREATEDB): {str(exc).strip()}"
        ) from None
    target_url = database_url(source_url, name)
    try:
        dump = subprocess.Popen(
            [_pg_bin("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", source_url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert dump.stdout is not None
        restore = subprocess.run(
            [
                _pg_bin("pg_restore"),
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                f"--dbname={target_url}",
            ],
            stdin=dump.stdout,
            capture_output=True,
            text=True,
            check=False,
        )
        dump.stdout.close()
        dump_errors = dump.communicate()[1].decode(errors="replace")
        if dump.returncode != 0 or restore.returncode != 0:
            raise DatabaseError(
                f"copying database {redact(source_url)} failed: "
                f"{(dump_errors or restore.stderr).strip()}"
            )
    except BaseException:
        drop_database(source_url, name)
        raise
    return target_url


def clone_database(admin_url: str, template: str, name: str) -> str:
    """``CREATE DATABASE name TEMPLATE template``: a file-level copy, for a template that nobody
    is connected to (a copy made by ``copy_database`` that has not been used yet)."""
    import psycopg
    from psycopg import sql

    try:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(template)
                )
            )
    except psycopg.Error as exc:
        raise DatabaseError(
            f"cannot copy database {template} to {name}: {str(exc).strip()}"
        ) from None
    return database_url(admin_url, name)


def drop_database(admin_url: str, name: str) -> None:
    """Drop ``name`` if it exists, ending its sessions first (``WITH (FORCE)``, PostgreSQL 13+)."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def databases_named(admin_url: str, prefix: str) -> list[str]:
    """Databases of the server whose name starts with ``prefix``."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE starts_with(datname, %s) ORDER BY datname",
            (prefix,),
        ).fetchall()
    return [str(row[0]) for row in rows]


def sql_password(role: str, password: str) -> Any:
    """``ALTER ROLE role PASSWORD '...'`` with both parts quoted by psycopg."""
    from psycopg import sql

    return sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(role), sql.Literal(password))
