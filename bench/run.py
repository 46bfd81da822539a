#!/usr/bin/env python3
"""Benchmarks paunch against the floors each engine sets (docker, then
podman), against the original Python paunch 4.5.1 (docker), and how fast
`apply --wait` notices containers turning healthy. Prints medians and
ratios; asserts nothing.

Run it with bench/run.sh (which starts the engines, builds paunch in
release mode and installs the original into a throwaway venv). It needs a
host with no other containers managed by "paunch": the original always
uses that name. ENGINES=docker (or podman) runs one engine only.
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
PAUNCH = os.environ.get("PAUNCH_BIN") or os.path.join(ROOT, "target/release/paunch")
ORIGINAL = os.environ.get("PAUNCH_ORIGINAL")
IMAGE = "paunch-examples/busybox:1"
ROUNDS = int(os.environ.get("ROUNDS", "5"))
# The engine under test; set by main() for each engine in turn.
ENGINE = "docker"
PODMAN_CONF = os.path.join(ROOT, "tests/podman/containers.conf")


def engine_env():
    """The environment of every engine and paunch call: paunch's runtime,
    and podman's containers.conf for this machine's ulimits."""
    env = dict(os.environ, PAUNCH_DEFAULT_RUNTIME=ENGINE)
    if ENGINE == "podman":
        env.setdefault("CONTAINERS_CONF", PODMAN_CONF)
    return env


def sh(cmd, check=True, **kw):
    kw.setdefault("env", engine_env())
    return subprocess.run(cmd, check=check, capture_output=True, text=True, **kw)


def timed(cmd, env=None):
    t = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, env=env or engine_env())
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
        extra = ["--time=0"] if ENGINE == "podman" else []
        sh([ENGINE, "rm", "-f", *extra, *names], check=False)


def managed(by):
    out = sh([ENGINE, "ps", "-aq", "--no-trunc", "--filter", f"label=managed_by={by}"]).stdout.split()
    return sorted(out)


def logging_wrapper(d, log):
    """A wrapper of the engine CLI, first on PATH, that logs each call's
    first two words; returns the environment that puts it there."""
    real = sh(["sh", "-c", f"command -v {ENGINE}"]).stdout.strip()
    with open(os.path.join(d, ENGINE), "w") as w:
        w.write(f"#!/bin/sh\necho \"$1 $2\" >> {log}\nexec {real} \"$@\"\n")
    os.chmod(os.path.join(d, ENGINE), 0o755)
    return dict(engine_env(), PATH=f"{d}:{os.environ['PATH']}")


def med(xs):
    return statistics.median(xs)


def line(label, value, unit="s"):
    print(f"  {label:<58} {value:8.3f} {unit}")


def main():
    global ENGINE
    for engine in os.environ.get("ENGINES", "docker podman").split():
        ENGINE = engine
        version = sh([ENGINE, "version", "--format",
                      "{{.Server.Version}}" if ENGINE == "docker" else "{{.Client.Version}}"]).stdout.strip()
        print(f"=== {ENGINE} {version}")
        if ENGINE == "podman":
            sh(["scripts/busybox-image", IMAGE], env=dict(engine_env(), PAUNCH_IMAGE_ENGINE="podman"), cwd=ROOT)
        bench_engine()


def bench_engine():
    if managed("paunch"):
        sys.exit("this host has containers managed by \"paunch\"; the original paunch "
                 "cannot be confined to its own, so the benchmark would touch them")

    # --- no-op apply of 50 containers ------------------------------------
    n = 50
    f = write(config("bench-noop-", n))
    apply = [PAUNCH, "apply", "--file", f, "--config-id", "bench", "-q"]
    timed(apply)
    ids = managed("paunch")
    if ENGINE == "docker":
        floor_cmds = [
            ["docker", "ps", "-a", "--no-trunc", "--format", "{{json .}}"],
            ["docker", "inspect", "--type=container", *ids],
        ]
    else:
        floor_cmds = [
            ["podman", "ps", "-a", "--format", "json"],
            ["podman", "inspect", *ids],
        ]
    # The original on podman pulls every image podman has (base.py:270):
    # it is compared on docker only.
    orig = [ORIGINAL, "apply", "--file", f, "--config-id", "bench",
            "--default-runtime", "docker"] if ORIGINAL and ENGINE == "docker" else None
    # The same two calls made by one parent process (a shell), as any
    # tool makes them: on podman this alone costs more than the two calls
    # timed one by one from here (see README, Performance).
    from_shell = ["sh", "-c", " ; ".join(
        " ".join(shlex.quote(a) for a in c) + " >/dev/null" for c in floor_cmds)]
    floor, ours, theirs, shell = [], [], [], []
    for _ in range(ROUNDS):
        floor.append(sum(timed(c) for c in floor_cmds))
        shell.append(timed(from_shell))
        ours.append(timed(apply))
        if orig:
            theirs.append(timed(orig))
    if managed("paunch") != ids:
        sys.exit("the no-op changed containers")
    print(f"no-op apply of {n} unchanged containers ({ROUNDS} rounds, interleaved, medians):")
    line(f"floor: {ENGINE} ps -a + {ENGINE} inspect of the 50", med(floor))
    line("paunch apply", med(ours))
    target = "1.5" if ENGINE == "docker" else "1.2"
    line(f"ratio paunch / floor (target <= {target})", med(ours) / med(floor), "x")
    line("the floor's two calls made by one shell", med(shell))
    line("ratio paunch / those", med(ours) / med(shell), "x")
    if theirs:
        line("original paunch 4.5.1 apply", med(theirs))
        line("ratio original / paunch (target >= 20)", med(theirs) / med(ours), "x")
    elif ENGINE == "docker":
        print("  (original paunch not installed: PAUNCH_ORIGINAL unset)")

    # engine calls, counted by a logging wrapper first on PATH
    with tempfile.TemporaryDirectory() as d:
        log = os.path.join(d, "calls")
        timed(apply, env=logging_wrapper(d, log))
        calls = [c.split()[0] for c in open(log).read().splitlines()]
        line(f"engine calls of one no-op apply ({', '.join(sorted(calls))})", len(calls), "calls")
    remove(managed("paunch"))

    # --- creating 30 containers --------------------------------------------
    n = 30
    f = write(config("bench-create-", n))
    plan = json.loads(sh([PAUNCH, "plan", "--file", f, "--config-id", "bench",
                          "--format", "json"]).stdout)
    script = write("".join(
        f"{ENGINE} " + " ".join(shlex.quote(a) for a in s["argv"]) + " >/dev/null\n"
        for s in plan["steps"] if s["action"] == "create"))
    names = [s["name"] for s in plan["steps"] if s["action"] == "create"]
    create = [PAUNCH, "apply", "--file", f, "--config-id", "bench", "-q"]
    bare, seq, par = [], [], []
    for _ in range(ROUNDS):
        bare.append(timed(["sh", script]))
        remove(names)
        seq.append(timed(create + ["--parallel", "1"]))
        remove(names)
        par.append(timed(create))
        remove(names)
    print(f"creating {n} containers ({ROUNDS} rounds, interleaved, medians):")
    line(f"bare shell loop of {ENGINE} run -d, same arguments", med(bare))
    line("paunch apply --parallel 1 (one at a time, as the original)", med(seq))
    line("ratio paunch / bare loop (target <= 1.10)", med(seq) / med(bare), "x")
    line("paunch apply (the default, --parallel 8)", med(par))
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
    seq_stop = sum(timed([ENGINE, "stop", "-t", str(grace), i]) for i in ids)
    remove(ids)
    print(f"deleting {n} containers that ignore SIGTERM, stop_grace_period {grace}s (3 rounds, median):")
    line("paunch delete (stops together, then removes together)", med(dele))
    line(f"one {ENGINE} stop -t {grace} after another (measured once)", seq_stop)
    line(f"ratio paunch / {n} grace periods ({n * grace}s)", med(dele) / (n * grace), "x")

    bench_wait()
    if ENGINE == "docker":
        bench_compose()


def bench_compose():
    """paunch against docker-compose (Debian's 1.29) on the same 30
    services: the compose file is `paunch export --format compose` of the
    paunch configuration. Created, a no-op, one service's environment
    changed (one replaced), everything deleted; interleaved rounds."""
    dc = sh(["sh", "-c", "command -v docker-compose"], check=False).stdout.strip()
    if not dc:
        print("docker-compose not installed: no comparison with it")
        return
    n, rounds = 30, max(3, ROUNDS // 2)
    base = config("bench-cmp-", n)
    changed = base.replace("bench-cmp-07:\n", "bench-cmp-07:\n  environment: {CHANGED: '1'}\n", 1)
    f1, f2 = write(base), write(changed)
    c1, c2 = write(""), write("")
    for f, c in ((f1, c1), (f2, c2)):
        sh([PAUNCH, "export", "--file", f, "--config-id", "benchc", "--format", "compose",
            "--out", c])
    compose = [dc, "-p", "benchc"]
    apply = [PAUNCH, "apply", "--config-id", "bench", "-q", "--file"]
    ours = {"create": [], "noop": [], "replace": [], "delete": []}
    theirs = {k: [] for k in ours}
    for _ in range(rounds):
        ours["create"].append(timed(apply + [f1]))
        ours["noop"].append(timed(apply + [f1]))
        ours["replace"].append(timed(apply + [f2]))
        ours["delete"].append(timed([PAUNCH, "delete", "bench", "-q"]))
        up = compose + ["-f"]
        theirs["create"].append(timed(up + [c1, "up", "-d"]))
        theirs["noop"].append(timed(up + [c1, "up", "-d"]))
        theirs["replace"].append(timed(up + [c2, "up", "-d"]))
        theirs["delete"].append(timed(up + [c2, "down", "--timeout", "0"]))
    print(f"paunch against docker-compose 1.29, {n} services ({rounds} rounds, interleaved, medians):")
    for key, what, target in (
        ("create", "create all", "paunch/compose <= 0.9"),
        ("noop", "no-op", "compose/paunch >= 10"),
        ("replace", "one replaced", "paunch/compose <= 1.0"),
        ("delete", "delete all", "reported"),
    ):
        a, b = med(ours[key]), med(theirs[key])
        line(f"{what}: paunch", a)
        line(f"{what}: docker-compose", b)
        if key == "noop":
            line(f"{what}: ratio compose / paunch ({target})", b / a, "x")
        else:
            line(f"{what}: ratio paunch / compose ({target})", a / b, "x")


def bench_wait():
    """apply --wait on 10 containers that turn healthy about 2 s after they
    start: how long after the last one turned healthy the apply returns,
    and how many engine calls it made while waiting."""
    n = 10
    f = write("".join(
        f"bench-wait-{i:02d}:\n  image: {IMAGE}\n"
        "  command: [sh, -c, 'sleep 2 && touch /tmp/ready && exec sleep 86400']\n"
        "  stop_grace_period: 0\n"
        "  healthcheck: {test: 'test -f /tmp/ready', interval: 250ms, retries: 1, start_period: 30s}\n"
        for i in range(n)))
    lags, waits = [], []
    for _ in range(3):
        with tempfile.TemporaryDirectory() as d:
            log = os.path.join(d, "calls")
            env = logging_wrapper(d, log)
            r = subprocess.run([PAUNCH, "apply", "--file", f, "--config-id", "bench",
                                "-q", "--wait", "--parallel", "4"],
                               capture_output=True, text=True, env=env)
            returned = time.time()
            if r.returncode != 0:
                sys.exit(f"apply --wait failed:\n{r.stdout}\n{r.stderr}")
            calls = open(log).read().splitlines()
        ids = managed("paunch")
        inspected = json.loads(sh([ENGINE, "container", "inspect", *ids]).stdout)
        healthy_at = []
        for c in inspected:
            ok = [h for h in (c["State"]["Health"]["Log"] or []) if h["ExitCode"] == 0]
            healthy_at.append(min(parse_time(h["End"]) for h in ok))
        lags.append(returned - max(healthy_at))
        # Before the wait: ps, inspect, image inspect and the 10 runs.
        waits.append(len(calls) - 3 - n)
        remove(ids)
    print(f"apply --wait of {n} containers turning healthy ~2 s after start (3 rounds, medians):")
    line("apply returned after the last turned healthy", med(lags))
    line("engine calls while waiting (looks of the whole group, logs, checks)", med(waits), "calls")


def parse_time(t):
    """An engine's RFC 3339 time (nanoseconds, Z or an offset) as epoch seconds."""
    from datetime import datetime
    t = t.replace("Z", "+00:00")
    head, _, rest = t.partition(".")
    frac, sign, tz = rest, "", ""
    for s in "+-":
        if s in rest:
            frac, _, tz = rest.partition(s)
            sign = s
            break
    frac = (frac + "000000")[:6]
    return datetime.fromisoformat(f"{head}.{frac}{sign}{tz}").timestamp()


if __name__ == "__main__":
    main()
