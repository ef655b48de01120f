"""Several gunicorn processes behind one loopback port, for `http_load.py --web-replicas N`.

Each replica is a whole `docker/entrypoint.sh web` (its own master and WEB_CONCURRENCY
workers) started with gunicorn's `--reuse-port`: every master binds its own socket to the same
port with SO_REUSEPORT and the kernel spreads new connections across them. That is what a
proxy in front of N web containers does, without a proxy process of our own competing for the
same cores. Linux only: the checks read /proc. Also the CPU accounting per request and the
tables http_load.py prints from it.
"""

# Fixed argv lists built here, never from outside input.
# ruff: noqa: S603

import os
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_TICKS = os.sysconf("SC_CLK_TCK")


def start_replica(env: dict[str, str], log: Path) -> subprocess.Popen:
    """One more gunicorn master (and its workers) on env["BIND"], sharing the port."""
    return subprocess.Popen(
        [str(ROOT / "docker" / "entrypoint.sh"), "web", "--reuse-port"],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def listeners(port: int) -> int:
    """Listening TCP sockets on 127.0.0.1:`port` (one per replica with SO_REUSEPORT)."""
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        if state == "0A" and local == f"0100007F:{port:04X}":
            count += 1
    return count


def wait_listeners(port: int, count: int, procs: list[subprocess.Popen], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while listeners(port) < count:
        for proc in procs:
            if proc.poll() is not None:
                raise SystemExit(f"a web replica exited with {proc.returncode}")
        if time.monotonic() > deadline:
            raise SystemExit(f"{listeners(port)} of {count} web replicas listen on :{port} after {seconds} s")
        time.sleep(0.3)
    time.sleep(1.0)  # the workers boot right after their master binds


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # after "pid (comm) "


def _all_stats() -> dict[int, list[str]]:
    fields = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))):
            fields[int(entry.name)] = stat
    return fields


def _cpu(stat: list[str]) -> float:
    return (int(stat[11]) + int(stat[12])) / _TICKS  # utime + stime


def tree_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a master and its workers, those alive and those gone: a
    worker recycled by gunicorn's max_requests was reaped by the master, so its whole CPU time
    is in the master's cutime + cstime. A difference of two readings is therefore exact."""
    fields = _all_stats()
    if pid not in fields:
        return 0.0
    workers = [child for child, stat in fields.items() if int(stat[1]) == pid]
    reaped = (int(fields[pid][13]) + int(fields[pid][14])) / _TICKS  # cutime + cstime
    return _cpu(fields[pid]) + reaped + sum(_cpu(fields[w]) for w in workers)


def pids_cpu_seconds(pids: list[int]) -> dict[int, float]:
    """CPU time of each of `pids` still alive (PostgreSQL backends, for instance)."""
    return {pid: _cpu(stat) for pid in pids if (stat := _stat(pid))}


class CpuMeter:
    """CPU seconds spent between start() and stop() by each web replica (master and workers)
    and by the PostgreSQL backends serving the benchmark database (the app keeps its
    connections, so the same backends serve the whole run; new ones are missed: lower bound)."""

    def __init__(self, webs: list[subprocess.Popen], backend_pids) -> None:
        self.webs, self.backend_pids = webs, backend_pids

    def start(self) -> None:
        self.web_before = [tree_cpu_seconds(web.pid) for web in self.webs]
        self.db_before = pids_cpu_seconds(self.backend_pids())

    def stop(self) -> dict:
        web = [tree_cpu_seconds(w.pid) - before for w, before in zip(self.webs, self.web_before, strict=True)]
        db_after = pids_cpu_seconds(list(self.db_before))
        db = sum(db_after[pid] - self.db_before[pid] for pid in db_after)
        return {"web_cpu_s": web, "db_cpu_s": db}


def check_spread(results: list[dict]) -> None:
    """Behind N replicas, each must have done part of the work, or the ratio means nothing."""
    used = [sum(values) for values in zip(*(row["replica_cpu_s"] for row in results), strict=True)]
    if min(used) < 0.05 * max(used):
        raise SystemExit(f"a web replica served (almost) nothing: CPU seconds per replica {used}")


def print_cpu(results: list[dict]) -> None:
    print("\n# CPU per request (user + system; the load generator's own CPU is not counted)")
    print("| endpoint | web processes ms | PostgreSQL ms |")
    print("| --- | ---: | ---: |")
    for row in results:
        print(f"| {row['endpoint']} | {row['web_cpu_ms_per_request']:.1f} | {row['db_cpu_ms_per_request']:.1f} |")


def print_ratios(single: list[dict], multi: list[dict], replicas: int, workers: str) -> None:
    print(f"\n# {replicas} gunicorn replicas × {workers} workers vs 1, same run")
    print(f"| endpoint | req/s, 1 replica | req/s, {replicas} replicas | ratio | p99 ms, 1 | p99 ms, {replicas} |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for one, many in zip(single, multi, strict=True):
        print(
            f"| {one['endpoint']} | {one['rps']:.0f} | {many['rps']:.0f} | {many['rps'] / one['rps']:.2f}× | "
            f"{one['p99_ms']:.1f} | {many['p99_ms']:.1f} |"
        )
