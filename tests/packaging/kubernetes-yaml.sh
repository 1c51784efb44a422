#!/usr/bin/env bash
# The Kubernetes manifests parse as YAML (python3-yaml) and hold what the issue asks for:
# a DaemonSet with hostPID, privileged, /var/lib/lxcfs with Bidirectional propagation, and an
# example pod whose hostPath volumes are all of type File.
source "$(dirname "$0")/../lib/common.sh"
require_cmd python3
python3 -c 'import yaml' 2>/dev/null || skip_all "needs python3-yaml"
DIR=${PROCLENS_SOURCE_ROOT:?}/packaging/kubernetes

python3 - "$DIR" <<'PY'
import sys, yaml, pathlib
d = pathlib.Path(sys.argv[1])
n = 0
failed = False
def check(desc, cond):
    global n, failed
    n += 1
    failed = failed or not cond
    print(("ok" if cond else "not ok"), n, "-", desc)

docs = {}
for f in sorted(d.glob("*.yaml")):
    try:
        loaded = [x for x in yaml.safe_load_all(f.read_text()) if x is not None]
        check(f"{f.name} parses as YAML", True)
    except yaml.YAMLError as e:
        check(f"{f.name} parses as YAML", False); print("#", e); continue
    for x in loaded:
        check(f"{f.name}: {x.get('kind')} has apiVersion, kind, metadata.name",
              bool(x.get("apiVersion") and x.get("kind") and x.get("metadata", {}).get("name")))
        docs.setdefault(x["kind"], []).append(x)

ds = docs.get("DaemonSet", [None])[0]
check("a DaemonSet", ds is not None)
if ds:
    spec = ds["spec"]["template"]["spec"]
    check("the DaemonSet's selector matches its pod labels",
          all(ds["spec"]["template"]["metadata"]["labels"].get(k) == v
              for k, v in ds["spec"]["selector"]["matchLabels"].items()))
    check("hostPID: true", spec.get("hostPID") is True)
    c = spec["containers"][0]
    check("privileged", c.get("securityContext", {}).get("privileged") is True)
    vm = {m["name"]: m for m in c["volumeMounts"]}
    vols = {v["name"]: v for v in spec["volumes"]}
    lx = [m for m in c["volumeMounts"] if m["mountPath"] == "/var/lib/lxcfs"]
    check("/var/lib/lxcfs is mounted with mountPropagation: Bidirectional",
          len(lx) == 1 and lx[0].get("mountPropagation") == "Bidirectional")
    check("/var/lib/lxcfs comes from the host",
          len(lx) == 1 and vols[lx[0]["name"]].get("hostPath", {}).get("path") == "/var/lib/lxcfs")
    check("every volumeMount has a volume", all(m in vols for m in vm))
    cms = [v for v in vols.values() if "configMap" in v]
    names = {x["metadata"]["name"] for x in docs.get("ConfigMap", [])}
    check("the ConfigMap it mounts is defined", all(v["configMap"]["name"] in names for v in cms))

pod = docs.get("Pod", [None])[0]
check("an example Pod", pod is not None)
if pod:
    vols = pod["spec"]["volumes"]
    hp = [v for v in vols if "hostPath" in v]
    check("the example pod binds files with hostPath volumes", len(hp) >= 4)
    check("every hostPath volume is of type File",
          all(v["hostPath"].get("type") == "File" for v in hp))
    check("every hostPath is under /var/lib/lxcfs",
          all(v["hostPath"]["path"].startswith("/var/lib/lxcfs/") for v in hp))
    mounts = {m["name"]: m for c in pod["spec"]["containers"] for m in c["volumeMounts"]}
    check("each file lands at its namesake (/var/lib/lxcfs/X -> /X)",
          all(mounts[v["name"]]["mountPath"] == v["hostPath"]["path"][len("/var/lib/lxcfs"):] for v in hp))
print(f"1..{n}")
sys.exit(1 if failed else 0)
PY
