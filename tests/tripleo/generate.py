#!/usr/bin/env python3
"""Builds the TripleO corpus under tests/tripleo/ from tripleo-heat-templates.

Usage:
    python3 tests/tripleo/generate.py GIT_DIR [REF]

GIT_DIR is a clone (bare or not) of
https://opendev.org/openstack/tripleo-heat-templates; REF defaults to the
commit in README.md (stable/stein). Needs PyYAML.

For each role below, every service's `docker_config` (from
`outputs.role_data.value.docker_config` of the service's template, after the
resource registry of an HA deployment with the ML2/OVS environment) is
resolved and merged per step, as a node reads its
`docker-container-startup-config-step_N`. The Heat intrinsics are evaluated
by the small interpreter below with plausible parameter values (the
parameters' defaults where they have one, the table PARAMS otherwise).
"""

import collections
import os
import re
import subprocess
import sys

import yaml

REF = "06f0fcd53382f290aa84164e47a7bc6caf924b34"  # stable/stein, 2021-02-04

ROLES = {
    "controller": [
        "OS::TripleO::Services::Keystone",
        "OS::TripleO::Services::MySQL",
        "OS::TripleO::Services::OsloMessagingRpc",
        "OS::TripleO::Services::Redis",
        "OS::TripleO::Services::HAproxy",
        "OS::TripleO::Services::Clustercheck",
        "OS::TripleO::Services::Memcached",
        "OS::TripleO::Services::GlanceApi",
        "OS::TripleO::Services::NovaApi",
        "OS::TripleO::Services::NovaConductor",
        "OS::TripleO::Services::NovaScheduler",
        "OS::TripleO::Services::NovaMetadata",
        "OS::TripleO::Services::NeutronApi",
        "OS::TripleO::Services::NeutronDhcpAgent",
        "OS::TripleO::Services::NeutronL3Agent",
        "OS::TripleO::Services::NeutronMetadataAgent",
        "OS::TripleO::Services::NeutronOvsAgent",
        "OS::TripleO::Services::PankoApi",
        "OS::TripleO::Services::CinderApi",
        "OS::TripleO::Services::CinderScheduler",
        "OS::TripleO::Services::CinderVolume",
        "OS::TripleO::Services::HeatApi",
        "OS::TripleO::Services::HeatEngine",
        "OS::TripleO::Services::Horizon",
        "OS::TripleO::Services::NovaPlacement",
        "OS::TripleO::Services::NovaVncProxy",
        "OS::TripleO::Services::SwiftProxy",
        "OS::TripleO::Services::SwiftStorage",
        "OS::TripleO::Services::CeilometerAgentCentral",
        "OS::TripleO::Services::CeilometerAgentNotification",
        "OS::TripleO::Services::GnocchiApi",
        "OS::TripleO::Services::AodhApi",
        "OS::TripleO::Services::Iscsid",
        "OS::TripleO::Services::ContainersLogrotateCrond",
    ],
    # A non-HA controller (no pacemaker): the plain MySQL, Redis, RabbitMQ
    # and HAProxy containers.
    "nonha": [
        "OS::TripleO::Services::MySQL",
        "OS::TripleO::Services::Redis",
        "OS::TripleO::Services::OsloMessagingRpc",
        "OS::TripleO::Services::HAproxy",
    ],
    "compute": [
        "OS::TripleO::Services::NovaCompute",
        "OS::TripleO::Services::NovaLibvirt",
        "OS::TripleO::Services::NovaMigrationTarget",
        "OS::TripleO::Services::NovaLibvirtGuests",
        "OS::TripleO::Services::ComputeCeilometerAgent",
        "OS::TripleO::Services::ComputeNeutronOvsAgent",
        "OS::TripleO::Services::Iscsid",
        "OS::TripleO::Services::ContainersLogrotateCrond",
    ],
}

# Registry overlays, in order: an HA overcloud with ML2/OVS; the non-HA
# controller without environments/docker-ha.yaml.
ENVIRONMENTS = {
    "controller": ["environments/docker-ha.yaml", "environments/services/neutron-ovs.yaml"],
    "nonha": ["environments/services/neutron-ovs.yaml"],
    "compute": ["environments/docker-ha.yaml", "environments/services/neutron-ovs.yaml"],
}

REGISTRY_URL = "192.168.24.1:8787/tripleostein"

# Image parameter -> image name where it is not the parameter's own name.
IMAGE_NAMES = {
    "Mysql": "mariadb",
    "MysqlClient": "mariadb",
    "Rabbitmq": "rabbitmq",
    "Clustercheck": "mariadb",
    "Haproxy": "haproxy",
    "Crond": "cron",
}

# Parameters without a usable default.
PARAMS = {
    "ContainerCli": "docker",
    "EnableInternalTLS": False,
    "DeployIdentifier": "1612450000",
    "RoleName": "Controller",
    "RoleParameters": {},
    "ServiceData": {},
    "ServiceNetMap": {},
    "DefaultPasswords": collections.defaultdict(lambda: "secret"),
    "EndpointMap": {},
    "EnableSQLAlchemyCollectd": False,
    "MysqlIPv6": False,
    "NovaPassword": "secret",
    "NovaPlacementPassword": "secret",
    "PlacementPassword": "secret",
    "KeystonePassword": "secret",
    "PcmkConfigRestartTimeout": 600,
    "ConfigDebug": False,
    "Debug": False,
    "NeutronEnableDVR": False,
    "NeutronMechanismDrivers": ["openvswitch"],
    "DockerPuppetDebug": False,
    "ContainerCpusetCpus": "all",
}


def git_show(gitdir, ref, path):
    return subprocess.run(
        ["git", "--git-dir", gitdir, "show", f"{ref}:{path}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


class Loader(yaml.SafeLoader):
    pass


# Heat templates: `heat_template_version: 2016-10-14` would be a date.
Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def norm(path):
    return os.path.normpath(path)


def camel_to_kebab(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def image_for(param):
    m = re.fullmatch(r"(?:Container|Docker)(\w+?)(?:Config)?Image", param)
    base = m.group(1)
    name = IMAGE_NAMES.get(base, camel_to_kebab(base))
    return f"{REGISTRY_URL}/centos-binary-{name}:current-tripleo"


class Unresolved(Exception):
    pass


class Heat:
    def __init__(self, gitdir, ref, environments):
        self.gitdir = gitdir
        self.ref = ref
        self.files = {}
        self.registry = {}
        text = git_show(gitdir, ref, "overcloud-resource-registry-puppet.j2.yaml")
        for line in text.splitlines():
            m = re.match(r"\s+(OS::TripleO::[\w:]+):\s+(\S+)\s*$", line)
            if m:
                self.registry[m.group(1)] = m.group(2)
        for env in environments:
            data = yaml.load(git_show(gitdir, ref, env), Loader=Loader)
            for k, v in (data.get("resource_registry") or {}).items():
                if v.endswith(".yaml"):
                    v = norm(os.path.join(os.path.dirname(env), v))
                self.registry[k] = v

    def load(self, path):
        if path not in self.files:
            self.files[path] = yaml.load(git_show(self.gitdir, self.ref, path), Loader=Loader)
        return self.files[path]

    def template(self, path, props):
        return Stack(self, path, props)


class Stack:
    def __init__(self, heat, path, props):
        self.heat = heat
        self.path = path
        self.t = heat.load(path)
        self.props = props
        self.children = {}

    # ---- parameters and conditions
    def param(self, name):
        if name in self.props:
            parent, raw = self.props[name]
            return parent.resolve(raw) if parent else raw
        spec = (self.t.get("parameters") or {}).get(name)
        if spec is None:
            raise Unresolved(f"{self.path}: no parameter {name}")
        if name.endswith("Image") and ("Container" in name or "Docker" in name):
            return image_for(name)
        if name in PARAMS:
            return PARAMS[name]
        if "Password" in name:
            return "secret"
        if "default" in spec:
            return spec["default"]
        raise Unresolved(f"{self.path}: parameter {name} has no default")

    def condition(self, c):
        if isinstance(c, bool):
            return c
        if isinstance(c, str):
            return self.condition(self.t["conditions"][c])
        (fn, arg), = c.items()
        if fn == "equals":
            a, b = (self.resolve(x) for x in arg)
            return a == b
        if fn == "not":
            return not self.condition(arg)
        if fn == "and":
            return all(self.condition(x) for x in arg)
        if fn == "or":
            return any(self.condition(x) for x in arg)
        if fn == "contains":
            a, b = (self.resolve(x) for x in arg)
            return a in b
        if fn in FUNCTIONS:
            return bool(self.resolve(c))
        raise Unresolved(f"{self.path}: condition {fn}")

    # ---- resources
    def child(self, name):
        if name not in self.children:
            res = self.t["resources"][name]
            rtype = res["type"]
            if rtype.endswith(".yaml"):
                path = norm(os.path.join(os.path.dirname(self.path), rtype))
            elif rtype in self.heat.registry:
                path = self.heat.registry[rtype]
            else:
                path = rtype
            # Properties are resolved when the child reads them.
            props = {k: (self, v) for k, v in (res.get("properties") or {}).items()}
            if path == "OS::Heat::None":
                self.children[name] = None
            elif path == "OS::Heat::Value":
                self.children[name] = {"value": self.resolve(res["properties"].get("value"))}
            elif path.endswith(".yaml"):
                self.children[name] = Stack(self.heat, path, props)
            else:
                raise Unresolved(f"{self.path}: resource type {rtype}")
        return self.children[name]

    def get_attr(self, args):
        name, attr, *path = args
        child = self.child(name)
        if child is None:
            return None
        if isinstance(child, dict):
            value = child[attr]
        else:
            value = child.output(attr, path)
            path = []
        for p in path:
            if value is None:
                return None
            value = value[p] if not isinstance(value, list) else value[int(p)]
        return value

    def output(self, attr, path=()):
        node = self.t["outputs"][attr]["value"]
        return self.resolve_path(node, list(path))

    def resolve_path(self, node, path):
        """Resolves only what `path` leads to (other parts of an output may
        hold functions this interpreter does not know)."""
        if not path:
            return self.resolve(node)
        if isinstance(node, dict) and len(node) == 1 and next(iter(node)) in FUNCTIONS:
            (fn, arg), = node.items()
            if fn == "get_attr":
                return self.get_attr(list(self.resolve(arg)) + path)
            if fn == "map_merge":
                found = None
                for m in arg:
                    if isinstance(m, dict) and not (len(m) == 1 and next(iter(m)) in FUNCTIONS):
                        if path[0] in m:
                            found = self.resolve_path(m[path[0]], path[1:])
                    else:
                        v = self.resolve(m)
                        if v and path[0] in v:
                            found = v[path[0]]
                            for p in path[1:]:
                                found = None if found is None else found.get(p)
                return found
            value = self.resolve(node)
            for p in path:
                if value is None:
                    return None
                value = value.get(p)
            return value
        if isinstance(node, dict):
            if path[0] not in node:
                return None
            return self.resolve_path(node[path[0]], path[1:])
        raise Unresolved(f"{self.path}: path {path} into {type(node)}")

    # ---- functions
    def resolve(self, node):
        if isinstance(node, list):
            return [self.resolve(x) for x in node]
        if not isinstance(node, dict):
            return node
        if len(node) == 1 and next(iter(node)) in FUNCTIONS:
            (fn, arg), = node.items()
            return FUNCTIONS[fn](self, arg)
        return {k: self.resolve(v) for k, v in node.items()}


def f_get_param(s, arg):
    if isinstance(arg, str):
        return s.param(arg)
    value = s.param(arg[0])
    for p in arg[1:]:
        p = s.resolve(p)
        if isinstance(value, collections.defaultdict):
            value = value[p]
            continue
        if not isinstance(value, dict) or p not in value:
            return ""  # as Heat does for a missing key
        value = value[p]
    return value


def f_list_concat(s, arg, unique=False):
    out = []
    for x in s.resolve(arg):
        if x is None:
            continue
        if not isinstance(x, list):
            raise Unresolved(f"{s.path}: list_concat of {x!r}")
        for y in x:
            if not unique or y not in out:
                out.append(y)
    return out


def f_list_join(s, arg):
    sep, *lists = s.resolve(arg)
    items = []
    for lst in lists:
        items.extend("" if x is None else str(x) for x in lst)
    return sep.join(items)


def f_str_replace(s, arg):
    arg = s.resolve(arg)
    text = arg["template"]
    for k, v in arg["params"].items():
        text = text.replace(k, str(v))
    return text


def f_if(s, arg):
    cond, a, b = arg
    return s.resolve(a if s.condition(cond) else b)


def f_map_merge(s, arg):
    out = {}
    for m in s.resolve(arg):
        out.update(m or {})
    return out


def f_map_replace(s, arg):
    arg = s.resolve(arg)
    m = arg[0]
    spec = arg[1] if len(arg) > 1 else {}
    keys = spec.get("keys") or {}
    values = spec.get("values") or {}

    def value(v):
        return values.get(v, v) if isinstance(v, (str, int, float, bool)) else v

    return {keys.get(k, k): value(v) for k, v in m.items()}


def f_yaql(s, arg):
    expr = " ".join(arg["expression"].split())
    data = s.resolve(arg["data"])
    if expr in YAQL:
        return YAQL[expr](data)
    raise Unresolved(f"{s.path}: yaql {expr!r} with {data!r}")


def yaql_str(v):
    return {True: "true", False: "false", None: "null"}.get(v, str(v)) if isinstance(v, (bool, type(None))) else str(v)


# The few yaql expressions found in the docker_config sections used here,
# each replaced by what it evaluates to.
YAQL = {
    "str($.data.debug)": lambda d: yaql_str(d["debug"]),
    "str($.data.port)": lambda d: yaql_str(d["port"]),
    '$.data.select($+":"+$+":ro")': lambda d: [f"{x}:{x}:ro" for x in d],
    "$.data.passwords.where($ != '').first()": lambda d: [p for p in d["passwords"] if p != ""][0],
}


FUNCTIONS = {
    "get_param": f_get_param,
    "get_attr": lambda s, a: s.get_attr(s.resolve(a)),
    "list_concat": f_list_concat,
    "list_concat_unique": lambda s, a: f_list_concat(s, a, True),
    "list_join": f_list_join,
    "str_replace": f_str_replace,
    "if": f_if,
    "map_merge": f_map_merge,
    "map_replace": f_map_replace,
    "yaql": f_yaql,
    "get_file": lambda s, a: f"<file {a}>",
}


class Dumper(yaml.SafeDumper):
    pass


def str_presenter(dumper, data):
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


Dumper.add_representer(str, str_presenter)


def main():
    gitdir = sys.argv[1]
    ref = sys.argv[2] if len(sys.argv) > 2 else REF
    here = os.path.dirname(os.path.abspath(__file__))
    for role, services in ROLES.items():
        heat = Heat(gitdir, ref, ENVIRONMENTS[role])
        steps = collections.defaultdict(dict)
        origin = collections.defaultdict(dict)
        for svc in services:
            path = heat.registry[svc]
            if not path.endswith(".yaml"):
                sys.exit(f"{svc} maps to {path}")
            stack = Stack(heat, path, {"RoleName": (None, "Compute" if role == "compute" else "Controller")})
            docker_config = stack.output("role_data", ["docker_config"]) or {}
            for step, containers in sorted(docker_config.items()):
                for name, entry in (containers or {}).items():
                    if name in steps[step]:
                        continue  # shared (e.g. iscsid on both)
                    steps[step][name] = entry
                    origin[step][name] = path
        os.makedirs(os.path.join(here, role), exist_ok=True)
        for step in sorted(steps):
            out = os.path.join(here, role, f"{step}.yaml")
            with open(out, "w") as f:
                f.write(
                    f"# TripleO {role} node, {step}: generated by tests/tripleo/generate.py\n"
                    f"# from openstack/tripleo-heat-templates {ref[:12]} (stable/stein).\n"
                )
                for name, entry in steps[step].items():
                    f.write(f"\n# {origin[step][name]}\n")
                    f.write(
                        yaml.dump({name: entry}, Dumper=Dumper, default_flow_style=False,
                                  sort_keys=False, width=1000)
                    )
            print(out, len(steps[step]))


if __name__ == "__main__":
    main()
