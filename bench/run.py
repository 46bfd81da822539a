#!/usr/bin/env python3
"""Benchmarks paunch against the floors the engine sets, and against the
original Python paunch 4.5.1. Prints medians and ratios; asserts nothing.

Run it with bench/run.sh (which starts the engine, builds paunch in release
mode and installs the original into a throwaway venv). It needs a host with
no other containers managed by "paunch": the original always uses that
name.
"""

import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAUNCH = os.path.join(ROOT, "target/release/paunch")
ORIGINAL = os.environ.get("PAUNCH_ORIGINAL")
IMAGE = "paunch-examples/busybox:1"
ROUNDS = int(os.environ.get("ROUNDS", "5"))


def sh(cmd, check=True, **kw):
    return subprocess.run(cmd, check=check, capture_output=True, text=True, **kw)


def timed(cmd, env=None):
    t = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    dt = time.perf_counter() - t
    if r.returncode != 0:
        sys.exit(f"failed: {cmd}\n{r.stdout}\n{r.stderr}")
    return dt


def config(prefix, n, extra=""):
    return "".join(
        f"{prefix}{i:02d}:\n  image: {IMAGE}\n  command: sleep 86400\n"
        f"  stop_grace_period: 0\n{extra}"
        for i in range(n)
    )


def write(text):
    f = tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False)
    f.write(text)
    f.close()
    return f.name


def remove(names):
    if names:
        sh(["docker", "rm", "-f", *names], check=False)


def managed(by):
    out = sh(["docker", "ps", "-aq", "--filter", f"label=managed_by={by}"]).stdout.split()
    return out


def med(xs):
    return statistics.median(xs)


def line(label, value, unit="s"):
    print(f"  {label:<58} {value:8.3f} {unit}")


def main():
    if managed("paunch"):
        sys.exit("this host has containers managed by \"paunch\"; the original paunch "
                 "cannot be confined to its own, so the benchmark would touch them")
    results = {}

    # --- no-op apply of 50 containers ------------------------------------
    n = 50
    f = write(config("bench-noop-", n))
    apply = [PAUNCH, "apply", "--file", f, "--config-id", "bench", "-q"]
    timed(apply)
    ids = managed("paunch")
    floor_cmds = [
        ["docker", "ps", "-a", "--no-trunc", "--format", "{{json .}}"],
        ["docker", "inspect", "--type=container", *ids],
    ]
    orig = [ORIGINAL, "apply", "--file", f, "--config-id", "bench",
            "--default-runtime", "docker"] if ORIGINAL else None
    floor, ours, theirs = [], [], []
    for _ in range(ROUNDS):
        floor.append(sum(timed(c) for c in floor_cmds))
        ours.append(timed(apply))
        if orig:
            theirs.append(timed(orig))
    if managed("paunch") != ids:
        sys.exit("the no-op changed containers")
    print(f"no-op apply of {n} unchanged containers ({ROUNDS} rounds, interleaved, medians):")
    line("floor: docker ps -a + docker inspect of the 50", med(floor))
    line("paunch apply", med(ours))
    line("ratio paunch / floor (target <= 1.5)", med(ours) / med(floor), "x")
    if theirs:
        line("original paunch 4.5.1 apply", med(theirs))
        line("ratio original / paunch (target >= 20)", med(theirs) / med(ours), "x")
    else:
        print("  (original paunch not installed: PAUNCH_ORIGINAL unset)")

    # engine calls, counted by a logging wrapper first on PATH
    with tempfile.TemporaryDirectory() as d:
        log = os.path.join(d, "calls")
        real = sh(["sh", "-c", "command -v docker"]).stdout.strip()
        with open(os.path.join(d, "docker"), "w") as w:
            w.write(f"#!/bin/sh\necho \"$1\" >> {log}\nexec {real} \"$@\"\n")
        os.chmod(os.path.join(d, "docker"), 0o755)
        env = dict(os.environ, PATH=f"{d}:{os.environ['PATH']}")
        timed(apply, env=env)
        calls = open(log).read().split()
        line(f"engine calls of one no-op apply ({', '.join(sorted(calls))})", len(calls), "calls")
    remove(managed("paunch"))

    # --- creating 30 containers --------------------------------------------
    n = 30
    f = write(config("bench-create-", n))
    plan = json.loads(sh([PAUNCH, "plan", "--file", f, "--config-id", "bench",
                          "--format", "json"]).stdout)
    script = write("".join(
        "docker " + " ".join(shlex.quote(a) for a in s["argv"]) + " >/dev/null\n"
        for s in plan["steps"] if s["action"] == "create"))
    names = [s["name"] for s in plan["steps"] if s["action"] == "create"]
    create = [PAUNCH, "apply", "--file", f, "--config-id", "bench", "-q"]
    bare, seq, par = [], [], []
    for _ in range(ROUNDS):
        bare.append(timed(["sh", script]))
        remove(names)
        seq.append(timed(create))
        remove(names)
        par.append(timed(create + ["--parallel", "4"]))
        remove(names)
    print(f"creating {n} containers ({ROUNDS} rounds, interleaved, medians):")
    line("bare shell loop of docker run -d, same arguments", med(bare))
    line("paunch apply (one at a time, the default)", med(seq))
    line("ratio paunch / bare loop (target <= 1.10)", med(seq) / med(bare), "x")
    line("paunch apply --parallel 4", med(par))
    line("ratio parallel / bare loop (target <= 0.65)", med(par) / med(bare), "x")

    # --- deleting 20 containers whose PID 1 ignores SIGTERM -----------------
    n, grace = 20, 2
    f = write("".join(
        f"bench-del-{i:02d}:\n  image: {IMAGE}\n  command: sleep 86400\n"
        f"  stop_grace_period: {grace}\n" for i in range(n)))
    dele = []
    for _ in range(3):
        timed([PAUNCH, "apply", "--file", f, "--config-id", "bench", "-q", "--parallel", "4"])
        dele.append(timed([PAUNCH, "delete", "bench", "-q"]))
    timed([PAUNCH, "apply", "--file", f, "--config-id", "bench", "-q", "--parallel", "4"])
    ids = managed("paunch")
    seq_stop = sum(timed(["docker", "stop", "-t", str(grace), i]) for i in ids)
    remove(ids)
    print(f"deleting {n} containers that ignore SIGTERM, stop_grace_period {grace}s (3 rounds, median):")
    line("paunch delete (stops together, then removes together)", med(dele))
    line(f"one docker stop -t {grace} after another (measured once)", seq_stop)
    line(f"ratio paunch / {n} grace periods ({n * grace}s)", med(dele) / (n * grace), "x")


if __name__ == "__main__":
    main()
