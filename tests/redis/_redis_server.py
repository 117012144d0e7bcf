"""A `redis-server` child process on a free loopback port (used by conftest.py)."""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import socket
import subprocess
import tempfile
import time

REDIS_SERVER = shutil.which("redis-server")
REDIS_CLI = shutil.which("redis-cli")


def free_port() -> int:
    """A TCP port nobody listens on now, on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """A `redis-server` child process on 127.0.0.1, which a test may stop and start again."""

    def __init__(self, port: int, *extra: str) -> None:
        self.port = port
        self.extra = extra
        self.url = f"redis://127.0.0.1:{port}/0"
        self._dir = tempfile.mkdtemp(prefix="journey-redis-")
        self._process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        """The command line that starts the server."""
        assert REDIS_SERVER is not None
        return [
            REDIS_SERVER,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            self._dir,
            *self.extra,
        ]

    def start(self) -> None:
        """Start the server and wait until it answers PING."""
        self._process = subprocess.Popen(
            self.command(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self._process.poll() is None:  # not exited
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock,
            ):
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"redis-server did not answer on port {self.port}")

    def running(self) -> bool:
        """Whether the process started is still running."""
        return self._process is not None and self._process.poll() is None

    def stop(self) -> None:
        """Stop the server (its data goes with it)."""
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self._dir, ignore_errors=True)


def free_cluster_port() -> int:
    """A free port below 55536: a cluster node also listens on its port + 10000 (its bus)."""
    for _ in range(100):
        port = random.randrange(20000, 55000)
        with socket.socket() as sock, contextlib.suppress(OSError):
            sock.bind(("127.0.0.1", port))
            with socket.socket() as bus:
                bus.bind(("127.0.0.1", port + 10000))
                return port
    raise RuntimeError("no free port pair for a Redis Cluster node")


class RedisClusterServers:
    """Three `redis-server` masters on 127.0.0.1 joined into one Redis Cluster (no replicas)."""

    def __init__(self) -> None:
        self.nodes = [
            RedisServer(port, "--cluster-enabled", "yes", "--cluster-node-timeout", "2000")
            for port in (free_cluster_port(), free_cluster_port(), free_cluster_port())
        ]
        self.port = self.nodes[0].port

    def start(self) -> None:
        """Start the nodes, assign the slots, and wait until every node says the cluster is ok."""
        assert REDIS_CLI is not None
        try:
            for node in self.nodes:
                node.start()
        except BaseException:
            self.close()  # the nodes already started must not outlive the test run
            raise
        create = ["--cluster", "create", *(f"127.0.0.1:{node.port}" for node in self.nodes)]
        subprocess.run(
            [REDIS_CLI, *create, "--cluster-replicas", "0", "--cluster-yes"],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=30,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            states = [
                subprocess.run(
                    [REDIS_CLI, "-p", str(node.port), "cluster", "info"],
                    capture_output=True,
                    text=True,
                    timeout=5,
                ).stdout
                for node in self.nodes
            ]
            if all("cluster_state:ok" in state for state in states):
                return
            time.sleep(0.1)
        self.close()
        raise RuntimeError("the Redis Cluster did not come up")

    def close(self) -> None:
        for node in self.nodes:
            node.close()


class SentinelServer(RedisServer):
    """`redis-server --sentinel` on 127.0.0.1 watching the master at `master_port` as
    `name`, with a quorum of one; it declares a silent master down after a second."""

    def __init__(self, port: int, name: str, master_port: int) -> None:
        super().__init__(port)
        self.config = os.path.join(self._dir, "sentinel.conf")  # Sentinel rewrites it
        with open(self.config, "w") as file:
            file.write(
                f"port {port}\n"
                "bind 127.0.0.1\n"
                f"dir {self._dir}\n"
                f"sentinel monitor {name} 127.0.0.1 {master_port} 1\n"
                f"sentinel down-after-milliseconds {name} 1000\n"
                f"sentinel failover-timeout {name} 10000\n"
                f"sentinel parallel-syncs {name} 1\n"
            )

    def command(self) -> list[str]:
        assert REDIS_SERVER is not None
        return [REDIS_SERVER, self.config, "--sentinel"]


def _cli(port: int, *args: str) -> str:
    """One redis-cli command to 127.0.0.1:`port`, its raw output."""
    assert REDIS_CLI is not None
    return subprocess.run(
        [REDIS_CLI, "-h", "127.0.0.1", "-p", str(port), "--raw", *args],
        capture_output=True,
        text=True,
        timeout=5,
    ).stdout


class RedisSentinelServers:
    """A master, one replica of it and one Sentinel watching them as `name`, on 127.0.0.1."""

    name = "mymaster"

    def __init__(self) -> None:
        quick = ("--repl-diskless-sync-delay", "0")  # a replica's full sync starts at once
        self.master = RedisServer(free_port(), *quick)
        self.replica = RedisServer(
            free_port(), *quick, "--replicaof", "127.0.0.1", str(self.master.port)
        )
        self.sentinel = SentinelServer(free_port(), self.name, self.master.port)
        self.servers = [self.master, self.replica, self.sentinel]

    def start(self) -> None:
        """Start the three, then wait until the replica is in sync and the Sentinel knows the
        master and the replica (so that it can fail over)."""
        try:
            for server in self.servers:
                server.start()
            self._wait_until_ready(timeout=20)
        except BaseException:
            self.close()  # the servers already started must not outlive the test run
            raise

    def sentinel_command(self, command: str) -> str:
        """The Sentinel's reply to `SENTINEL <command> <name>`, as redis-cli prints it."""
        return _cli(self.sentinel.port, "sentinel", command, self.name).strip()

    def master_port(self) -> int | None:
        """The master's port as the Sentinel reports it now."""
        lines = self.sentinel_command("get-master-addr-by-name").split()
        return int(lines[1]) if len(lines) == 2 and lines[0] == "127.0.0.1" else None

    def role(self, port: int) -> str:
        """`master` or `slave`, as the server on `port` says (empty if it does not answer)."""
        return _cli(port, "role").split("\n")[0].strip()

    def failed_over(self, master: int, old: int | None) -> bool:
        """Whether the Sentinel names `master`, which says it is the master, and the old
        master on port `old` (None: it was stopped) says it is a replica: the Sentinel
        demoted it, which closes its clients' connections."""
        if self.master_port() != master or self.role(master) != "master":
            return False
        return old is None or self.role(old) == "slave"

    def _wait_until_ready(self, timeout: float) -> None:
        """Wait until the Sentinel names the master, which says it is the master, and the
        replica is in sync, as both the replica and the Sentinel report it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._ready():
                return
            time.sleep(0.1)
        raise RuntimeError(
            f"Redis Sentinel on port {self.sentinel.port} not ready in {timeout:g} s"
        )

    def _ready(self) -> bool:
        master, replica = self.master.port, self.replica.port
        if self.master_port() != master or self.role(master) != "master":
            return False
        info = _cli(replica, "info", "replication")
        if f"master_port:{master}" not in info or "master_link_status:up" not in info:
            return False
        known = self.sentinel_command("replicas")  # a replica it does not know cannot take over
        return f"\n{replica}\n" in known and "master-link-status\nok" in known

    def close(self) -> None:
        for server in reversed(self.servers):
            server.close()
