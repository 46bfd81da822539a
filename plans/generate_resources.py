#!/usr/bin/env python3
"""Writes the planner scenarios of networks and named volumes
(`resources-*`): generate.py's helpers, plus `resources.json` (what the
compose reader gives: paunch YAML cannot say it) and the networks and
volumes observed. config_data labels are json.dumps of the definition, as
paunch writes them. Run: python3 plans/generate_resources.py"""
import json, os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import importlib.util
spec = importlib.util.spec_from_file_location("gen", os.path.join(os.path.dirname(os.path.abspath(__file__)), "generate.py"))
# generate.py writes every scenario when run; only its helpers are wanted.
src = open(spec.origin).read().split("\nSERVICE = ")[0]
gen = {"__file__": spec.origin}
exec(compile(src, spec.origin, "exec"), gen)
container, entries, write = gen["container"], gen["entries"], gen["write"]

ENGINE_NETS = {"bridge": {}, "host": {}, "none": {}}

def net(config_id, data, managed_by="paunch"):
    return {"managed_by": managed_by, "config_id": config_id, "config_data": json.dumps(data)}

def scenario(name, config_text, containers, resources=None, networks=None, volumes=None, options=None):
    write(name, config_text, containers, options=options)
    d = os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
    obs_path = os.path.join(d, "observed.json")
    obs = json.load(open(obs_path))
    obs["networks"] = dict(ENGINE_NETS, **(networks or {}))
    obs["volumes"] = volumes or {}
    open(obs_path, "w").write(json.dumps(obs, indent=2) + "\n")
    if resources is not None:
        open(os.path.join(d, "resources.json"), "w").write(json.dumps(resources, indent=2) + "\n")

# A compose project `p` as the reader gives it: a database with its data
# volume and a web server, both on the project's network.
P = """\
# Compose project "p": db keeps its data in the named volume p_data; both
# services are on the project's network p_default (resources.json).
db:
  image: paunch-test/busybox:1
  command: sleep 3600
  net: p_default
  volumes:
    - p_data:/data
web:
  image: paunch-test/busybox:1
  command: sleep 3600
  net: p_default
  start_order: 1
"""
NET = {"driver": "bridge", "labels": {"tier": "back"}}
VOL = {"driver": "local"}
RES = [
    {"kind": "network", "name": "p_default", "data": NET},
    {"kind": "volume", "name": "p_data", "data": VOL},
]
e = entries(P)
def applied(n, name, config_id="p", data=None):
    return container(n, name, config_id, name, data or e[name])

# 1. A fresh host: the network and the volume first, then the containers.
scenario("resources-fresh-host", P, [], RES, options={"config_id": "p"})

# 2. Applied already: nothing to do.
scenario("resources-unchanged", P, [applied(1, "db"), applied(2, "web")], RES,
         networks={"p_default": net("p", NET)}, volumes={"p_data": net("p", VOL)},
         options={"config_id": "p"})

# 3. The project lost its `back` network (api is gone) and its cache
# volume: api is deleted, then p_back removed; p_cache is left behind.
OLD_API = {"image": "paunch-test/busybox:1", "command": "sleep 3600", "net": "p_back",
           "volumes": ["p_cache:/cache"]}
scenario("resources-network-unused", P,
         [applied(1, "db"), applied(2, "web"), container(3, "api", "p", "api", OLD_API)], RES,
         networks={"p_default": net("p", NET), "p_back": net("p", {}),
                   # Another managed-by name's, and nobody's: never touched.
                   "q_back": net("q", {}, managed_by="other"), "mine": {}},
         volumes={"p_data": net("p", VOL), "p_cache": net("p", {}), "stray": {}},
         options={"config_id": "p"})

# 4. The network's definition changed while db and web use it: kept, noted;
# a changed network nobody uses (p_idle) is removed and created again.
NET2 = {"driver": "bridge", "internal": True}
RES4 = [{"kind": "network", "name": "p_default", "data": NET2},
        {"kind": "network", "name": "p_idle", "data": NET2},
        {"kind": "volume", "name": "p_data", "data": {"driver": "local", "driver_opts": {"o": "x"}}}]
scenario("resources-network-changed", P, [applied(1, "db"), applied(2, "web")], RES4,
         networks={"p_default": net("p", NET), "p_idle": net("p", NET)},
         volumes={"p_data": net("p", VOL)}, options={"config_id": "p"})

# 5. An external network that is missing, and a volume whose name another
# config ID holds: the plan notes both, and apply refuses to run.
RES5 = [{"kind": "network", "name": "shared", "data": {}, "external": True},
        {"kind": "network", "name": "p_default", "data": NET},
        {"kind": "volume", "name": "p_data", "data": VOL}]
scenario("resources-blocked", P, [], RES5,
         networks={"p_default": {}}, volumes={"p_data": net("old", VOL)},
         options={"config_id": "p"})

# 6-7. Two projects, p and q, each with its network and volume; cleanup
# keeps q; delete --volumes of p also removes p's volume.
Q_WEB = {"image": "paunch-test/busybox:1", "command": "sleep 3600", "net": "q_default",
         "volumes": ["q_data:/data"]}
two = [applied(1, "db"), applied(2, "web"), container(3, "q-web", "q", "q-web", Q_WEB)]
nets = {"p_default": net("p", NET), "q_default": net("q", {}), "mine": {}}
vols = {"p_data": net("p", VOL), "q_data": net("q", {}), "stray": {}}
scenario("resources-cleanup", None, two, networks=nets, volumes=vols,
         options={"operation": "cleanup", "config_ids": ["q"]})
scenario("resources-delete-volumes", None, two, networks=nets, volumes=vols,
         options={"operation": "delete", "config_ids": ["p"], "remove_volumes": True})
scenario("resources-delete", None, two, networks=nets, volumes=vols,
         options={"operation": "delete", "config_ids": ["p"]})
# A Pod's emptyDir mounted at two paths is the Pod's own named volume (its
# definition carries the Pod's label): delete removes it without
# --volumes, as an emptyDir goes with its Pod; a compose volume is kept.
POD_VOL = {"labels": {"paunch.pod": "shop"}}
SHOP = {"image": "paunch-test/busybox:1", "command": "sleep 3600", "volumes": ["shop-work-emptydir:/www"],
        "labels": {"paunch.pod": "shop", "paunch.pod.role": "app"}}
scenario("resources-pod-emptydir-deleted", None,
         [applied(1, "db"), container(3, "shop-web", "p", "shop-web", SHOP)],
         networks={"p_default": net("p", NET)},
         volumes={"p_data": net("p", VOL), "shop-work-emptydir": net("p", POD_VOL)},
         options={"operation": "delete", "config_ids": ["p"]})
