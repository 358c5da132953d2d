#!/usr/bin/env bash
# Builds the worker image: `bash infra/deploy/image/build-image.sh cpu|gpu [tag]`.
#   1. two Debian roots from Debian's archive with mmdebstrap (cached in $ELO_TOOLS_DIR/image-roots),
#      imported into podman's local storage as localhost/elo-root-{build,runtime}:<key>;
#   2. `podman build` of Dockerfile on them, tagged localhost/elo-worker:<version>-<kind>.
# Needs root, mmdebstrap and podman (Debian: apt-get install mmdebstrap podman). Prints the tag.
set -euo pipefail
kind=${1:?usage: build-image.sh cpu|gpu [tag]}
[[ $kind == cpu || $kind == gpu ]] || { echo "build-image.sh: kind must be cpu or gpu, got $kind" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
version=$(node -p "require('$root/package.json').version")
tag=${2:-localhost/elo-worker:$version-$kind}
tools=${ELO_TOOLS_DIR:-$root/.tools}

# Debian 13 (trixie): bookworm's nodejs is 18, the project needs >= 20.10; trixie's 20.19 is
# Debian's own build, with security updates from trixie-security. Pinned to the exact version.
suite=trixie
node_version=20.19.2+dfsg-1+deb13u3
mirrors=("deb http://deb.debian.org/debian $suite main" "deb http://deb.debian.org/debian-security $suite-security main")
# Docs, man pages and translations are not needed in a container.
slim=(--dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*'
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/doc/*/copyright')
runtime_args=(--variant=essential --include="ca-certificates,nodejs=$node_version" "${slim[@]}")
build_args=(--variant=apt
  --include="ca-certificates,nodejs=$node_version,libnode-dev=$node_version,npm,g++,make,python3,python3-pip,git"
  "${slim[@]}")

for cmd in mmdebstrap podman; do
  command -v "$cmd" >/dev/null || { echo "build-image.sh: $cmd is not installed (Debian: apt-get install mmdebstrap podman)" >&2; exit 1; }
done

# This machine's quirks, harmless elsewhere: hybrid cgroups (crun refuses them, runc copes) and
# no CAP_SYS_RESOURCE, so containers may not raise rlimits above ours.
podman_flags=()
if mountpoint -q /sys/fs/cgroup/unified 2>/dev/null && command -v runc >/dev/null; then
  podman_flags+=(--runtime runc)
fi
ulimits=(--ulimit "nofile=$(ulimit -Sn):$(ulimit -Hn)" --ulimit nproc=32768:32768)

# A root made once per distinct package list, then reused.
ensure_root() {
  local name=$1; shift
  local key
  key=$(printf '%s\n' "$suite" "$@" "${mirrors[@]}" | sha256sum | cut -c1-12)
  local image=localhost/elo-root-$name:$key
  if podman "${podman_flags[@]}" image exists "$image"; then echo "$image"; return; fi
  local tar=$tools/image-roots/$name-$suite-$key.tar
  if [[ ! -s $tar ]]; then
    mkdir -p "$tools/image-roots"
    echo "build-image.sh: mmdebstrap $name root ($suite) into $tar…" >&2
    mmdebstrap --quiet "$@" --format=tar "$suite" "$tar.tmp" "${mirrors[@]}" >&2
    mv "$tar.tmp" "$tar"
  fi
  podman "${podman_flags[@]}" import --quiet "$tar" "$image" >/dev/null
  echo "$image"
}

# Build-time mounts, never part of a layer: the host's CA bundle (networks whose egress proxy has
# its own CA; ELO_BUILD_CA_BUNDLE, default $SSL_CERT_FILE) and download caches (npm, the
# TensorFlow wheels) shared across builds.
mounts=(-v "$tools/cache:/opt/elo-tools/cache" -v "$tools/cache/image-npm:/root/.npm")
mkdir -p "$tools/cache/image-npm"
ca=${ELO_BUILD_CA_BUNDLE:-${SSL_CERT_FILE:-}}
if [[ -n $ca && -s $ca ]]; then
  mounts+=(-v "$ca:/etc/ssl/certs/ca-certificates.crt:ro")
fi
tf_version=$(sed -n "s/^ *tensorflow: '\(.*\)',.*/\1/p" "$root/infra/tool-versions.ts")

build_root=$(ensure_root build "${build_args[@]}")
runtime_root=$(ensure_root runtime "${runtime_args[@]}")
echo "build-image.sh: building $tag on $build_root, $runtime_root…" >&2
podman "${podman_flags[@]}" build --format docker --network=host "${ulimits[@]}" "${mounts[@]}" \
  --build-arg KIND="$kind" --build-arg TENSORFLOW_VERSION="$tf_version" \
  --build-arg BUILD_ROOT="$build_root" --build-arg RUNTIME_ROOT="$runtime_root" \
  --ignorefile "$root/.containerignore" -f "$here/Dockerfile" -t "$tag" "$root" >&2
echo "$tag"
