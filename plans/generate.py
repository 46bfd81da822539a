#!/usr/bin/env python3
"""Writes the planner scenarios of this directory. The config_data labels
of observed.json are produced by the original paunch's own encoder
(PyYAML safe_load + json.dumps), so run it with a Python that has PyYAML
(e.g. the venv of paunch 4.5.1): python plans/generate.py"""
import json, yaml, os, sys
IMG = "sha256:b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"
IMG2 = "sha256:c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2"
def cid(n): return ("%02d" % n) * 32
def container(n, name, config_id, entry_name, data, state="running", image_id=IMG, created="2026-11-01T10:00:%02dZ", managed_by="paunch", labels_extra=None, drop=(), exit_code=0, joined=(), finished_at="", health=""):
    labels = {"managed_by": managed_by, "config_id": config_id, "container_name": entry_name}
    if data is not None: labels["config_data"] = data if isinstance(data, str) else json.dumps(data)
    for d in drop: labels.pop(d, None)
    if labels_extra: labels.update(labels_extra)
    c = {"id": cid(n), "name": name, "state": state, "image_id": image_id, "image": (data or {}).get("image", "") if isinstance(data, dict) else "",
            "command": [], "created": created % n if "%" in created else created, "labels": labels}
    if exit_code: c["exit_code"] = exit_code
    if finished_at: c["finished_at"] = finished_at
    if health: c["health"] = health
    if joined: c["joined"] = [{"key": k, "container": v} for k, v in joined]
    return c
def write(scn, config_text, containers, foreign=(), images=None, options=None, after=None, units=None):
    d = os.path.join(os.path.dirname(os.path.abspath(__file__)), scn); os.makedirs(d, exist_ok=True)
    if after is not None:
        open(os.path.join(d, "after.json"), "w").write(json.dumps({"containers": after, "foreign": [{"id": cid(i), "name": n} for i, n in foreign]}, indent=2) + "\n")
    if config_text is not None:
        open(os.path.join(d, "config.yaml"), "w").write(config_text)
    obs = {"containers": containers, "foreign": [{"id": cid(i), "name": n} for i, n in foreign],
           "images": images if images is not None else {"paunch-test/busybox:1": IMG}}
    if units: obs["units"] = units
    open(os.path.join(d, "observed.json"), "w").write(json.dumps(obs, indent=2) + "\n")
    open(os.path.join(d, "options.json"), "w").write(json.dumps(options or {"config_id": "v1"}, indent=2) + "\n")
def entries(text): return yaml.safe_load(text)
SERVICE = """\
# A small service: a database, a blocking init job, a web server, and an
# exec step that reloads the web server on every apply.
db:
  image: paunch-test/busybox:1
  command: sleep 3600
  stop_grace_period: 2
init:
  image: paunch-test/busybox:1
  command: [sh, -c, "echo migrating"]
  detach: false
  start_order: 1
web:
  image: paunch-test/busybox:1
  command: sleep 3600
  start_order: 2
  environment:
    LOG_LEVEL: debug
reload:
  action: exec
  command: [web, sh, -c, "echo reloaded"]
  start_order: 3
"""
E = entries(SERVICE)
def svc(n0=1, config_id="v1", names=None, states=None):
    names = names or {}
    states = states or {}
    out = []
    for i, k in enumerate(["db", "init", "web"]):
        out.append(container(n0 + i, names.get(k, k), config_id, k, E[k], state=states.get(k, "exited" if k == "init" else "running")))
    return out

write("fresh-host", SERVICE, [])
write("no-op", SERVICE, svc())
changed = SERVICE.replace("LOG_LEVEL: debug", "LOG_LEVEL: info")
write("changed-entry", changed, svc())
removed = SERVICE.replace("""db:
  image: paunch-test/busybox:1
  command: sleep 3600
  stop_grace_period: 2
""", "")
write("removed-entry", removed, svc())
write("name-held-by-foreign", SERVICE, [], foreign=[(90, "web"), (91, "unrelated")])
# hi-again's hello was created while hi's held the name; hi's is gone now.
HELLO = "hello:\n  image: paunch-test/busybox:1\n  detach: false\n"
H = entries(HELLO)["hello"]
write("rename-back-after-cleanup", HELLO, [container(2, "hello-q85i4ea2", "hi-again", "hello", H, state="exited")], options={"config_id": "hi-again"})
write("rename-blocked", HELLO, [container(2, "hello-q85i4ea2", "hi-again", "hello", H, state="exited")], foreign=[(90, "hello")], options={"config_id": "hi-again"})
write("missing-config-data", HELLO, [container(1, "hello", "v1", "hello", None, state="exited")])
write("unparseable-config-data", HELLO, [container(1, "hello", "v1", "hello", "{not json", state="exited")])
# exec into a container that holds a suffixed name (its desired name is taken by a foreign one)
write("exec-target-suffixed", SERVICE, svc(names={"web": "web-9g7eqwv8"}), foreign=[(90, "web")])
# exec into a container of an earlier config ID
EXEC_ONLY = """\
reload:
  action: exec
  command: [web, sh, -c, "echo reloaded"]
  user: root
  environment: [MODE=hot]
"""
write("exec-target-other-config-id", EXEC_ONLY, svc(config_id="v1"), options={"config_id": "v2"}, images={})
write("exec-target-literal-name", EXEC_ONLY, [], foreign=[(90, "web")], options={"config_id": "v2"}, images={})
# deterministic suffix collision: both hello and its first suffix are taken
write("suffix-collision", HELLO, [], foreign=[(90, "hello"), (91, "hello-gbx6v5b9")])
write("image-updated", SERVICE, svc(), images={"paunch-test/busybox:1": IMG2})
write("image-missing", SERVICE, [], images={"paunch-test/busybox:1": None})
write("image-missing-container-kept", SERVICE, svc(), images={"paunch-test/busybox:1": None})
# two containers of one entry (an interrupted apply): the matching, running one is kept
dup = svc()
dup.append(container(9, "web-9g7eqwv8", "v1", "web", E["web"], state="created"))
write("duplicate-container", SERVICE, dup)
write("never-started", SERVICE, svc(states={"web": "created"}))
# After a daemon restart: a detached container left exited is started
# (same container); the blocking init, exited 0, is not run again.
exited = svc()
exited[2] = container(3, "web", "v1", "web", E["web"], state="exited", exit_code=137, finished_at="2026-11-01T11:00:00Z")
write("exited-container-started", SERVICE, exited)
# several replacements in one start_order group
GROUP = """\
alpha:
  image: paunch-test/busybox:1
  command: sleep 1000
  stop_grace_period: 1
beta:
  image: paunch-test/busybox:1
  command: sleep 1000
  stop_grace_period: 1m30s
gamma:
  image: paunch-test/busybox:1
  command: sleep 1000
"""
G = entries(GROUP)
write("group-replacements", GROUP.replace("sleep 1000", "sleep 2000"), [container(i + 1, k, "v1", k, G[k]) for i, k in enumerate(["alpha", "beta", "gamma"])])
# other managed-by and foreign containers are never touched
write("other-managed-by-untouched", HELLO, [], foreign=[(90, "hello"), (91, "mine-not")], options={"config_id": "v1"})
# a container of this config ID whose entry became an exec action
write("entry-became-exec", EXEC_ONLY, [container(5, "reload", "v1", "reload", {"image": "paunch-test/busybox:1"})], foreign=[(90, "web")], images={})
# cleanup and delete
two = svc(config_id="v1") + [container(7, "hello-q85i4ea2", "hi-again", "hello", H, state="exited"), container(8, "hello", "hi", "hello", H, state="exited")]
write("cleanup-keep-one", None, two, options={"operation": "cleanup", "config_ids": ["hi-again"]})
write("cleanup-all", None, two, options={"operation": "cleanup", "config_ids": []})
write("delete-config-id", None, two, options={"operation": "delete", "config_ids": ["v1"]})
write("podman-fresh-host", SERVICE, [], options={"config_id": "v1", "runtime": "podman", "labels": {"team": "web", "tier": "front"}})
# YAML 1.1 scalars: config_data as the original wrote it, engine values as meant
YAML11 = """\
legacy:
  image: paunch-test/busybox:1
  restart: no
  privileged: yes
  user: '0755'
  cpu_shares: 0x400
  log_tag: '1.10'
  environment:
    'NO': 'off'
    PORT: '22:22'
    DEBUG: true
  ports: ['22:22', "8080:80", 9090]
  stop_grace_period: 1m30s
  healthcheck:
    test: [CMD-SHELL, "echo ok"]
    interval: 30
  command: sh -c 'echo "hello world"'
"""
write("yaml11-scalars", YAML11, [])

write("blocking-still-running", SERVICE, svc(states={"init": "running"}))
write("blocking-never-started", SERVICE, svc(states={"init": "created"}))

# SPEC §15: a blocking container whose last run failed runs again; one
# that succeeded is left alone.
write("blocking-failed-runs-again", SERVICE, svc(states={"init": "exited"})[:1] + [container(2, "init", "v1", "init", E["init"], state="exited", exit_code=3)] + svc()[2:])
# SPEC §15: a container that joins another's namespaces and volumes
SHARED = """\
op-srv:
  image: paunch-test/busybox:1
  command: sleep 3600
  environment: [VERSION=1]
op-side:
  image: paunch-test/busybox:1
  command: sleep 3600
  net: container:op-srv
  ipc: container:op-srv
  volumes_from: [op-srv]
"""
S = entries(SHARED)
srv = container(1, "op-srv", "v1", "op-srv", S["op-srv"])
side = container(2, "op-side", "v1", "op-side", S["op-side"], joined=[("net", cid(1)), ("ipc", cid(1)), ("volumes_from", "op-srv")])
# op-srv changes: op-side is replaced after it, joining the new one.
write("joined-container-replaced", SHARED.replace("VERSION=1", "VERSION=2"), [srv, side])
# op-srv was replaced by an earlier apply (interrupted before op-side): op-side holds a dead namespace.
srv_new = container(3, "op-srv", "v1", "op-srv", S["op-srv"], created="2026-11-01T11:00:00Z")
write("joined-container-stale", SHARED, [srv_new, side])
# Under a second config ID the desired names are taken: op-side joins this config ID's op-srv, not the first one's.
write("joined-container-second-config-id", SHARED, [srv, side], options={"config_id": "v2"})
# Two managed containers whose names were swapped by hand.
HA = "alpha:\n  image: paunch-test/busybox:1\n  command: sleep 3600\nbeta:\n  image: paunch-test/busybox:1\n  command: sleep 3600\n"
A = entries(HA)
write("names-swapped", HA, [container(1, "beta", "v1", "alpha", A["alpha"]), container(2, "alpha", "v1", "beta", A["beta"])])
# A paused container, and a --label whose value changed: both noted, neither replaced.
# A running container whose health check fails is noted, not replaced.
write("unhealthy-container-noted", HA, [container(1, "alpha", "v1", "alpha", A["alpha"], health="unhealthy"), container(2, "beta", "v1", "beta", A["beta"], health="healthy")])
write("paused-and-label-changed", HA, [container(1, "alpha", "v1", "alpha", A["alpha"], state="paused", labels_extra={"team": "web"}), container(2, "beta", "v1", "beta", A["beta"], labels_extra={"team": "web"})], options={"config_id": "v1", "labels": {"team": "platform"}})
# Another config ID's container under a suffixed name is not this apply's business: no note.
write("other-config-id-suffixed-no-note", HELLO, [container(2, "hello-q85i4ea2", "hi-again", "hello", H, state="exited")], foreign=[(90, "hello")], options={"config_id": "hi-third"})
# apply --rollback: the apply replaced web (its environment changed, and its
# tag names a new image), deleted legacy (exited, removed from the
# configuration, carrying a --label) and created cache, then failed.
# after.json is the host after the failure: web's new container and cache
# are there, the old web and legacy are gone. The rollback removes cache,
# brings the old web back in place of the new one (old config_data, old
# image by ID, running) and recreates legacy without starting it.
ROLLBACK = SERVICE.replace("LOG_LEVEL: debug", "LOG_LEVEL: info").replace("init:\n  image: paunch-test/busybox:1\n  command: [sh, -c, \"echo migrating\"]\n  detach: false\n  start_order: 1\n", "cache:\n  image: paunch-test/busybox:1\n  command: sleep 3600\n  start_order: 1\n")
R = entries(ROLLBACK)
LEGACY = {"image": "paunch-test/busybox:1", "command": "sleep 3600"}
before = [container(1, "db", "v1", "db", E["db"]),
          container(3, "web", "v1", "web", E["web"], image_id=IMG2),
          container(4, "legacy", "v1", "legacy", LEGACY, state="exited", exit_code=137, labels_extra={"team": "blue"})]
after = [container(1, "db", "v1", "db", E["db"]),
         container(20, "web", "v1", "web", R["web"], created="2026-11-02T10:00:20Z"),
         container(21, "cache", "v1", "cache", R["cache"], created="2026-11-02T10:00:21Z")]
write("rollback-failed-apply", ROLLBACK, before, options={"config_id": "v1", "operation": "rollback"}, after=after)
# Nothing had changed when the apply failed (its first pull failed): nothing to roll back.
write("rollback-nothing-changed", ROLLBACK, before, images={"paunch-test/busybox:1": None}, options={"config_id": "v1", "operation": "rollback", "ran": [1]}, after=before)
# apply --systemd (podman): containers of entries with a `restart` key are
# `podman create`d and started by their units (paunch::systemd).
import hashlib
SYSTEMD = {"dir": "/etc/systemd/system", "prefix": "paunch_", "program": "/usr/bin/podman"}
def sd_options(**kw):
    o = {"config_id": "v1", "runtime": "podman", "systemd": dict(SYSTEMD, **kw.pop("systemd", {}))}
    o.update(kw); return o
def sha(text): return "sha256:" + hashlib.sha256(text.encode()).hexdigest()
def service_unit(name, restart="always", grace=10):
    """The service paunch writes for a plain entry (no depends_on, no flags)."""
    return ("[Unit]\nDescription=%s container\nAfter=paunch-container-shutdown.service\nWants=\n"
            "[Service]\nRestart=%s\nExecStart=/usr/bin/podman start %s\nExecStop=/usr/bin/podman stop -t %d %s\n"
            "TimeoutStopSec=%d\nKillMode=control-group\nType=forking\nPIDFile=/run/%s.pid\n\n"
            "[Install]\nWantedBy=multi-user.target\n") % (name, restart, name, grace, name, grace + 60, name)
UNITS = """\
# db and web are started by systemd units; init runs to completion (no
# restart key, and blocking); reload execs into web.
db:
  image: paunch-test/busybox:1
  command: sleep 3600
  restart: always
  stop_grace_period: 2
  check_interval: 30
  healthcheck:
    test: /bin/true
init:
  image: paunch-test/busybox:1
  command: [sh, -c, "echo migrating"]
  detach: false
  start_order: 1
web:
  image: paunch-test/busybox:1
  command: sleep 3600
  restart: unless-stopped
  start_order: 2
reload:
  action: exec
  command: [web, sh, -c, "echo reloaded"]
  start_order: 3
"""
U = entries(UNITS)
def usvc(states=None, text=UNITS):
    states = states or {}
    es = entries(text)
    return [container(i + 1, k, "v1", k, es[k], state=states.get(k, "exited" if k == "init" else "running")) for i, k in enumerate(["db", "init", "web"])]
# The units of the running containers as paunch wrote them: db's service and
# healthcheck pair (their text is in snapshots/systemd-*.snap; only web's is
# hashed here, db's are stand-ins that differ), web's service.
WEB_UNIT = {"paunch_web.service": sha(service_unit("web"))}
write("systemd-fresh-host", UNITS, [], options=sd_options())
# db has units whose text differs (a hand edit): rewritten; web's match: kept.
write("systemd-units-differ", UNITS, usvc(), options=sd_options(), units=dict(WEB_UNIT, **{
    "paunch_db.service": sha("edited by hand\n"), "paunch_db_healthcheck.service": sha("x\n"), "paunch_db_healthcheck.timer": sha("y\n")}))
# web changed: its service is stopped before its old container, and its units
# rewritten and enabled after the new one is created; db has no units at all
# (created by a paunch apply without --systemd): replaced, to be created for them.
write("systemd-changed-entry", UNITS.replace("sleep 3600\n  restart: unless", "sleep 3601\n  restart: unless"), usvc(), options=sd_options(), units=WEB_UNIT)
# web is `created` (systemd did not start it: its enable failed) with its
# units in place: a units step enables them, which starts it; not a
# never-started replacement. db is gone from the configuration: its units go with it.
write("systemd-created-not-replaced", UNITS.replace("db:\n", "dbx:\n", 1), usvc(states={"web": "created"}), options=sd_options(), units=dict(WEB_UNIT, **{
    "paunch_db.service": sha("a\n"), "paunch_db_healthcheck.service": sha("b\n"), "paunch_db_healthcheck.timer": sha("c\n")}))
# --systemd-prefix tripleo_ adopts the original's units: web's differs
# (the original's KillMode=none, PIDFile=/var/run): rewritten and enabled.
ORIG_WEB = service_unit("web").replace("KillMode=control-group", "KillMode=none").replace("PIDFile=/run/", "PIDFile=/var/run/").replace("\nTimeoutStopSec=70", "")
NOHC = UNITS.replace("  check_interval: 30\n  healthcheck:\n    test: /bin/true\n", "")
write("systemd-adopt-tripleo-units", NOHC, usvc(text=NOHC), options=sd_options(systemd={"prefix": "tripleo_"}),
      units={"tripleo_web.service": sha(ORIG_WEB), "tripleo_db.service": sha(service_unit("db", grace=2).replace("KillMode=control-group", "KillMode=none")), "tripleo_unrelated.service": sha("z\n")})
# cleanup and delete stop, disable and remove the units of what they delete.
write("systemd-delete-config-id", None, usvc(), options=sd_options(operation="delete", config_ids=["v1"]), units=dict(WEB_UNIT, **{"paunch_db.service": sha("a\n"), "paunch_db_healthcheck.timer": sha("c\n")}))
write("systemd-cleanup-all", None, usvc(), options=sd_options(operation="cleanup", config_ids=[]), units=WEB_UNIT)

# A secret changed: the replacement is planned on the real values, and its
# diff shows the value as (sensitive, changed); an unchanged secret of a
# kept container is not shown at all.
SECRET = """\
db:
  image: paunch-test/busybox:1
  command: sleep 3600
  environment:
    DB_PASSWORD: n3w-s3cret
    LOG_LEVEL: info
api:
  image: paunch-test/busybox:1
  command: sleep 3600
  environment: [API_TOKEN=t0ken-kept]
"""
write("secret-changed", SECRET, [
    container(1, "db", "v1", "db", {"image": "paunch-test/busybox:1", "command": "sleep 3600",
        "environment": {"DB_PASSWORD": "0ld-s3cret", "LOG_LEVEL": "info"}}),
    container(2, "api", "v1", "api", entries(SECRET)["api"]),
])

# op-srv died and was started again after op-side joined it (a Pod's infra
# container): op-side holds a dead namespace and is replaced; a container
# started after its holder is left alone.
srv_restarted = dict(srv, started_at="2026-11-01T12:00:00.5Z")
side_before = dict(side, started_at="2026-11-01T10:00:02.123456789Z")
write("joined-container-restarted", SHARED, [srv_restarted, side_before])
# The containers of a Pod whose restartPolicy is Never: one that completed
# (exited 0) stays completed; one that failed is started again (SPEC §9).
POD = """\
job-once:
  image: paunch-test/busybox:1
  command: [sh, -c, echo done]
  restart: 'no'
  labels: {paunch.pod: job, paunch.pod.role: app}
job-flaky:
  image: paunch-test/busybox:1
  command: [sh, -c, exit 3]
  restart: 'no'
  labels: {paunch.pod: job, paunch.pod.role: app}
"""
P = entries(POD)
write("pod-completed-stays-completed", POD, [
    container(1, "job-once", "v1", "job-once", P["job-once"], state="exited", finished_at="2026-11-01T10:01:00Z", labels_extra={"paunch.pod": "job", "paunch.pod.role": "app"}),
    container(2, "job-flaky", "v1", "job-flaky", P["job-flaky"], state="exited", exit_code=3, finished_at="2026-11-01T10:01:00Z", labels_extra={"paunch.pod": "job", "paunch.pod.role": "app"}),
])
