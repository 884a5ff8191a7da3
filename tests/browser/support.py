"""Helpers for Python tests that start servers: ports without a
pick-then-bind race, and a private redis-server that is surely ours.

Servers tmon starts bind port 0 and say which port they got. For servers we
do not own:
  - listening_port(pid) reads the port a child bound to port 0 from the OS
    (its socket inodes in /proc/<pid>/fd against /proc/net/tcp);
  - redis-server cannot bind port 0: start_redis() tries candidate ports
    (below the kernel's ephemeral range, so port-0 binds never get them),
    starts again on another when the bind fails, and takes the server as its
    own only once `INFO server` answers with its child's process id.
"""

import os
import random
import shutil
import socket
import subprocess
import time


def wait_for(what, predicate, timeout, interval=0.1):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except Exception as e:  # noqa: BLE001 - retried until the deadline
            last = e
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what} (last: {last!r})")


def candidate_port():
    """A loopback port to try for a server that cannot bind port 0; nothing
    holds it: retry with another when the bind fails."""
    low = 32768
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        pass
    return random.randint(10000, max(11000, low) - 1)


def listening_port(pid, timeout=20):
    """The TCP port child `pid` listens on, or None if it does not in time."""
    def once():
        inodes = set()
        fd_dir = f"/proc/{pid}/fd"
        for fd in os.listdir(fd_dir) if os.path.isdir(fd_dir) else []:
            try:
                target = os.readlink(os.path.join(fd_dir, fd))
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(int(target[8:-1]))
        with open("/proc/net/tcp") as f:
            next(f)
            for line in f:
                fields = line.split()
                if fields[3] == "0A" and int(fields[9]) in inodes:
                    return int(fields[1].split(":")[1], 16)
        return None

    deadline = time.monotonic() + timeout
    while True:
        port = once()
        if port is not None or time.monotonic() >= deadline:
            return port
        time.sleep(0.05)


def redis_process_id(port):
    """The process id the Redis server on 127.0.0.1:port reports, or None."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"INFO server\r\n")
            reply = b""
            while b"\r\nprocess_id:" not in reply or not reply.endswith(b"\r\n"):
                chunk = s.recv(4096)
                if not chunk or len(reply) > 65536:
                    break
                reply += chunk
    except OSError:
        return None
    for line in reply.split(b"\r\n"):
        if line.startswith(b"process_id:"):
            return int(line.split(b":")[1])
    return None


def start_redis(workdir, attempts=10):
    """(process, url) of a private redis-server of ours, or (None, an
    unreachable url) when redis-server is not installed (tmon then keeps
    results in memory)."""
    if not shutil.which("redis-server"):
        return None, "redis://127.0.0.1:1/0"
    for _ in range(attempts):
        port = candidate_port()
        redis = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", workdir, "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and redis.poll() is None:
            if redis_process_id(port) == redis.pid:
                return redis, f"redis://127.0.0.1:{port}/0"
            time.sleep(0.05)
        if redis.poll() is None:
            redis.kill()
        redis.wait()
    raise RuntimeError("could not start a redis-server of our own")
