"""A PostgreSQL server of a test's own, to stop and restart without touching the shared one.

``initdb`` + ``pg_ctl`` from the PostgreSQL 15 binaries, a data directory in a fresh folder under the
system temp dir (not the test's ``tmp_path``, whose parents the server user may not traverse), a
free TCP port on 127.0.0.1, trust authentication, its socket in the data folder. PostgreSQL refuses
to run as root, so as root the server runs as the ``postgres`` OS user (``runuser``).

    with PrivatePostgres() as pg:
        url = pg.url("jobs")      # a database created on it
        pg.restart(down_s=2.0)    # stop (fast: connections are cut), wait, start again
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

from tests.support.bt_local import free_port

BIN = Path("/usr/lib/postgresql/15/bin")
SERVER_USER = "postgres"


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL binaries are missing or the server did not start."""


def available() -> str | None:
    """None when a private server can run here, else why not."""
    if not (BIN / "initdb").exists():
        return f"no PostgreSQL 15 binaries in {BIN}"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            return f"running as root and there is no {SERVER_USER!r} user to run the server as"
    return None


class PrivatePostgres:
    """A private PostgreSQL 15 server (see the module docstring); stopped and removed on exit."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="sn98-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.log = self.root / "server.log"

    def _run(self, *args: str, timeout_s: float = 60.0) -> str:
        command = [str(BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s)
        if done.returncode != 0:
            raise PostgresUnavailable(f"{args[0]} failed ({done.returncode}): {done.stderr[-2000:]}")
        return done.stdout

    def _own(self) -> None:
        if os.geteuid() == 0:
            user = pwd.getpwnam(SERVER_USER)
            shutil.chown(self.root, user.pw_uid, user.pw_gid)
            self.root.chmod(0o700)

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data} -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self) -> None:
        """Fast shutdown: open connections are cut, as when the server is restarted by an operator."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")

    def restart(self, down_s: float = 0.0) -> None:
        import time

        self.stop()
        time.sleep(down_s)
        self.start()

    def url(self, database: str) -> str:
        """``postgres://`` URL of ``database`` on this server, created if missing."""
        listed = self._psql("SELECT 1 FROM pg_database WHERE datname = '" + database.replace("'", "") + "'")
        if not listed.strip():
            self._psql(f'CREATE DATABASE "{database}"')
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _psql(self, sql: str) -> str:
        command = [str(BIN / "psql"), "-h", "127.0.0.1",
                   "-p", str(self.port), "-U", "postgres", "-d", "postgres", "-tAc", sql]
        done = subprocess.run(command, capture_output=True, text=True, timeout=30)
        if done.returncode != 0:
            raise PostgresUnavailable(f"psql failed: {done.stderr[-1000:]}")
        return done.stdout

    def __enter__(self) -> PrivatePostgres:
        self._own()
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "30", "stop")
        except (PostgresUnavailable, subprocess.TimeoutExpired):
            pass
        shutil.rmtree(self.root, ignore_errors=True)
