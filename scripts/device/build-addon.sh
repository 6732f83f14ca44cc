#!/usr/bin/env bash
# Builds strata_native.node from native/ without node-gyp (the GPU machine has no npm): reads
# native/binding.gyp for the sources, defines, flags and libraries of the strata_native target
# and the static GEMM libraries it depends on (gyp conditions evaluated for x86-64 Linux), and
# compiles them with g++, every native/cuda/**/*.cu with nvcc (archived whole into
# libstrata_cuda.a, as native/cuda-build.mjs does), in parallel, then links with g++ -shared.
# Objects are rebuilt when their command, source or an included header changed.
#
#   build-addon.sh [--native DIR] [--out DIR]
#     --native  the native/ folder: binding.gyp, src/, cuda/, include/node, include/node-addon-api
#               (default: native/ beside this script)
#     --out     where objects and strata_native.node go (default: $STRATA_BUILD_DIR or
#               /tmp/strata-build)
#   STRATA_CUDA=0 builds the CPU-only engine; STRATA_CUDA=1 fails without nvcc; unset, CUDA is
#   built when nvcc is found (NVCC, CUDA_HOME/bin, PATH, /usr/local/cuda/bin). CXX (default g++)
#   and JOBS (default: the number of processors) as usual.
# Prints the path of the addon on its last line.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec python3 - "$here" "$@" <<'PY'
import ast
import json
import concurrent.futures
import os
import re
import shlex
import shutil
import subprocess
import sys

here, args = sys.argv[1], sys.argv[2:]
native = os.path.join(here, "native")
out = os.environ.get("STRATA_BUILD_DIR") or "/tmp/strata-build"
while args:
    flag = args.pop(0)
    if flag in ("--native", "--out") and args:
        value = os.path.abspath(args.pop(0))
        native, out = (value, out) if flag == "--native" else (native, value)
    else:
        sys.exit(f"build-addon: unknown argument {flag} (usage: build-addon.sh [--native DIR] [--out DIR])")
native = os.path.abspath(native)
out = os.path.abspath(out)
CXX = os.environ.get("CXX", "g++")
JOBS = int(os.environ.get("JOBS") or os.cpu_count() or 1)


def fail(message):
    sys.exit(f"build-addon: {message}")


# ---- binding.gyp, read as gyp reads it -----------------------------------------------------

def strip_comments(text):
    """binding.gyp without its # comments (a # inside a string stays)."""
    lines = []
    for line in text.splitlines():
        quote = None
        for i, ch in enumerate(line):
            if quote:
                if ch == quote:
                    quote = None
            elif ch in "'\"":
                quote = ch
            elif ch == "#":
                line = line[:i]
                break
        lines.append(line)
    return "\n".join(lines)


def merge(into, branch):
    """gyp's merge of a condition's branch: lists append, dicts merge, the rest is replaced."""
    for key, value in branch.items():
        if isinstance(value, list) and isinstance(into.get(key), list):
            into[key] = into[key] + value
        elif isinstance(value, dict) and isinstance(into.get(key), dict):
            merge(into[key], value)
        else:
            into[key] = value


def resolve_conditions(node, env):
    """Every 'conditions' list folded into its dict, evaluated for `env` (recursively)."""
    if isinstance(node, list):
        return [resolve_conditions(item, env) for item in node]
    if not isinstance(node, dict):
        return node
    result = {k: resolve_conditions(v, env) for k, v in node.items() if k != "conditions"}
    for condition in node.get("conditions", []):
        expression, branches = condition[0], condition[1:]
        try:
            taken = eval(expression, {"__builtins__": {}}, dict(env))
        except Exception as e:
            fail(f"cannot evaluate the binding.gyp condition {expression!r}: {e}")
        branch = branches[0] if taken else (branches[1] if len(branches) > 1 else None)
        if branch is not None:
            merge(result, resolve_conditions(branch, env))
    return result


def expand(values, variables):
    """'<@(list)' spliced in, '<(name)' substituted; command expansions '<!(...)' dropped."""
    out = []
    for value in values:
        if not isinstance(value, str):
            out.append(value)
            continue
        whole = re.fullmatch(r"<@\((\w+)\)", value)
        if whole:
            out += expand(variables[whole.group(1)], variables)
        elif value.startswith("<!"):
            continue
        else:
            out.append(re.sub(r"<\((\w+)\)", lambda m: str(variables[m.group(1)]), value))
    return out


def find_nvcc():
    if os.environ.get("STRATA_CUDA") == "0":
        return None
    candidates = [os.environ.get("NVCC"), os.environ.get("CUDA_HOME") and os.path.join(os.environ["CUDA_HOME"], "bin", "nvcc"),
                  shutil.which("nvcc"), "/usr/local/cuda/bin/nvcc"]
    for nvcc in filter(None, candidates):
        if os.path.exists(nvcc) and subprocess.run([nvcc, "--version"], capture_output=True).returncode == 0:
            return nvcc
    if os.environ.get("STRATA_CUDA") == "1":
        fail("STRATA_CUDA=1 but nvcc was not found (NVCC, CUDA_HOME/bin, PATH, /usr/local/cuda/bin)")
    return None


def cuda_root(nvcc):
    """The toolkit's top folder, as nvcc reports it (nvcc may be a wrapper script)."""
    dry = subprocess.run([nvcc, "--dryrun", "-c", "x.cu"], capture_output=True, text=True)
    for line in (dry.stdout + dry.stderr).splitlines():
        m = re.match(r"#\$ TOP=(.*)", line)
        if m:
            return os.path.realpath(m.group(1).strip())
    return os.path.realpath(os.path.join(os.path.dirname(os.path.realpath(nvcc)), ".."))


def cuda_dirs(top):
    libs = [os.path.join(top, d) for d in ("lib64", "targets/x86_64-linux/lib", "lib")]
    lib = next((d for d in libs if os.path.exists(os.path.join(d, "libcudart_static.a"))), None)
    if lib is None:
        fail(f"libcudart_static.a is not in {', '.join(libs)}")
    includes = [d for d in (os.path.join(top, "targets/x86_64-linux/include"), os.path.join(top, "include"))
                if os.path.exists(os.path.join(d, "cuda_runtime.h"))]
    return lib, includes


gyp_path = os.path.join(native, "binding.gyp")
if not os.path.exists(gyp_path):
    fail(f"{gyp_path} is missing")
gyp = ast.literal_eval(strip_comments(open(gyp_path).read()))
cu_sources = sorted(os.path.relpath(os.path.join(d, f), native)
                    for d, _, files in os.walk(os.path.join(native, "cuda")) for f in files if f.endswith(".cu"))
nvcc = find_nvcc() if cu_sources else None
if os.environ.get("STRATA_CUDA") == "1" and not cu_sources:
    fail("STRATA_CUDA=1 but native/cuda has no .cu files")
with_cuda = nvcc is not None
cuda_archive = os.path.join(out, "libstrata_cuda.a")

variables = {k.rstrip("%"): v for k, v in gyp.get("variables", {}).items()}
cuda_lib_dir, cuda_includes = cuda_dirs(cuda_root(nvcc)) if with_cuda else ("", [])
variables.update(strata_cuda=int(with_cuda), strata_cuda_lib=cuda_archive if with_cuda else "", cuda_lib_dir=cuda_lib_dir)
env = dict(variables, target_arch="x64", OS="linux")
resolved = resolve_conditions(gyp, env)
defaults = resolved.get("target_defaults", {})
targets = {t["target_name"]: t for t in resolved.get("targets", [])}
if "strata_native" not in targets:
    fail("binding.gyp has no strata_native target")
addon_target = targets["strata_native"]

# ---- compile commands ------------------------------------------------------------------------

include = os.path.join(native, "include")
for header in ("node/node_api.h", "node-addon-api/napi.h"):
    if not os.path.exists(os.path.join(include, header)):
        fail(f"{os.path.join(include, header)} is missing (device-pack copies Node's and node-addon-api's headers there)")
# What node-gyp passes to every compile of an addon, besides the target's own flags.
NODE_GYP_DEFINES = ["NODE_GYP_MODULE_NAME=strata_native", "USING_UV_SHARED=1", "USING_V8_SHARED=1",
                    "_LARGEFILE_SOURCE", "_FILE_OFFSET_BITS=64", "__STDC_FORMAT_MACROS", "BUILDING_NODE_EXTENSION"]
INCLUDES = ["-I" + os.path.join(include, "node"), "-I" + os.path.join(include, "node-addon-api")] + ["-I" + d for d in cuda_includes]


def cxx_command(target, source, obj):
    flags = expand(defaults.get("cflags", []) + target.get("cflags", []) + defaults.get("cflags_cc", []) + target.get("cflags_cc", []), variables)
    defines = NODE_GYP_DEFINES + expand(target.get("defines", []), variables)
    return ([CXX, "-m64", "-pthread", "-Wall", "-Wextra", "-Wno-unused-parameter"] + flags + ["-D" + d for d in defines]
            + INCLUDES + ["-MMD", "-MF", obj[:-2] + ".d", "-c", os.path.join(native, source), "-o", obj])


# Written by device-pack.mjs from native/cuda-build.mjs, so both builds use the same flags.
with open(os.path.join(native, "nvcc-flags.json")) as f:
    NVCC_FLAGS = json.load(f)


def nvcc_command(source, obj):
    defines = expand(gyp.get("variables", {}).get("strata_common_defines", []), variables)
    return ([nvcc] + NVCC_FLAGS + ["-D" + d for d in defines]
            + ["-I", os.path.join(native, "src"), "-I", os.path.join(native, "cuda")]
            + ["-MMD", "-MF", obj[:-2] + ".d", "-c", os.path.join(native, source), "-o", obj])


def object_path(source):
    return os.path.join(out, "obj", source.replace("/", "_") + ".o")


jobs = []  # (label, object, command)
for dep in addon_target.get("dependencies", []):
    lib = targets.get(dep)
    if lib is None:
        fail(f"strata_native depends on {dep}, which binding.gyp does not define for x86-64 Linux")
    for source in expand(lib.get("sources", []), variables):
        jobs.append((f"CXX {source} ({dep})", object_path(source), cxx_command(lib, source, object_path(source))))
for source in expand(addon_target.get("sources", []), variables):
    jobs.append((f"CXX {source}", object_path(source), cxx_command(addon_target, source, object_path(source))))
cuda_jobs = [(f"NVCC {s}", object_path(s), nvcc_command(s, object_path(s))) for s in cu_sources] if with_cuda else []


def stale(obj, command):
    """Whether obj must be rebuilt: missing, built by another command, or older than a dependency."""
    cmd_file = obj + ".cmd"
    if not os.path.exists(obj) or not os.path.exists(cmd_file) or open(cmd_file).read() != shlex.join(command):
        return True
    dep_file = obj[:-2] + ".d"
    if not os.path.exists(dep_file):
        return True
    built = os.path.getmtime(obj)
    deps = open(dep_file).read().replace("\\\n", " ").split(":", 1)[-1].split()
    return any(not os.path.exists(d) or os.path.getmtime(d) > built for d in deps if not d.endswith(":"))


def compile_one(job):
    label, obj, command = job
    os.makedirs(os.path.dirname(obj), exist_ok=True)
    run = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if run.returncode == 0:
        with open(obj + ".cmd", "w") as f:
            f.write(shlex.join(command))
    return label, run


os.makedirs(out, exist_ok=True)
all_jobs = jobs + cuda_jobs
todo = [j for j in all_jobs if stale(j[1], j[2])]
print(f"build-addon: {len(jobs)} C++ and {len(cuda_jobs)} CUDA sources "
      f"({'CUDA with ' + nvcc if with_cuda else 'CPU only: ' + ('STRATA_CUDA=0' if os.environ.get('STRATA_CUDA') == '0' else 'no .cu files' if not cu_sources else 'nvcc not found')}); "
      f"compiling {len(todo)} with {JOBS} jobs into {out}", flush=True)
failed = []
with concurrent.futures.ThreadPoolExecutor(JOBS) as pool:
    for n, (label, run) in enumerate(pool.map(compile_one, todo), 1):
        print(f"[{n}/{len(todo)}] {label}", flush=True)
        if run.stdout.strip() or run.stderr.strip():
            print((run.stdout + run.stderr).rstrip(), flush=True)
        if run.returncode != 0:
            failed.append(label)
if failed:
    fail("compiling failed: " + ", ".join(failed))

# ---- link ------------------------------------------------------------------------------------

addon = os.path.join(out, "strata_native.node")
if with_cuda:
    if os.path.exists(cuda_archive):
        os.remove(cuda_archive)
    if subprocess.run(["ar", "rcs", cuda_archive] + [j[1] for j in cuda_jobs]).returncode != 0:
        fail("ar could not archive the CUDA objects")
libraries = expand(addon_target.get("libraries", []), variables)
link = ([CXX, "-shared", "-pthread", "-m64", "-Wl,-soname=strata_native.node", "-o", addon + ".tmp"]
        + [j[1] for j in jobs] + expand(addon_target.get("ldflags", []), variables) + libraries)
run = subprocess.run(link, capture_output=True, text=True)
if run.returncode != 0:
    print(run.stdout + run.stderr)
    fail("linking failed: " + shlex.join(link))
os.replace(addon + ".tmp", addon)
print(f"build-addon: built {'with the CUDA backend' if with_cuda else 'CPU only'}:")
print(addon)
PY
