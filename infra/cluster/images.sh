#!/usr/bin/env bash
# Builds the enclave's container images on this machine, from nothing but Debian's packages and the
# jars the Maven build made (no container registry is reachable, and none is needed):
#
#   enclave/base:<key>      a minimal Debian (debootstrap --variant=minbase) with Java 17 from Debian's
#                           packages, imported with `docker import`
#   enclave/runtime:<key>   FROM the base: the enclave's jars and one entry point per role (HDFS NameNode
#                           and DataNode, Spark master and worker, egress service, notebook server, CLI)
#   enclave/postgres:<key>  FROM the base: Debian's PostgreSQL 15
#
# and tags each also :current, which the cluster tests run. A key is a hash of everything that goes
# into the image, so an image that exists is never built again (the engine's data outlives a clean
# clone: infra/cluster/engine.sh). In production the same Dockerfiles take an official base image:
#   docker build --build-arg BASE=eclipse-temurin:17-jre ...   (see docs/operations.md)
#
# Run after the Maven build packaged the modules (the cluster profile runs it before its tests):
#   infra/cluster/images.sh
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="$HERE/target/images"
export DOCKER_HOST="${DOCKER_HOST:-$("$HERE/engine.sh")}"
MIRROR="${ENCLAVE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SUITE=bookworm
PACKAGES="openjdk-17-jre-headless,ca-certificates,procps"

say() { echo "images.sh: $*" >&2; }
exists() { docker image inspect "$1" >/dev/null 2>&1; }
sudo_() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
started=$SECONDS
mkdir -p "$OUT"

# --- the base: debootstrap'd Debian with Java 17 ------------------------------------------------------
# the recipe below, by version: change it when the recipe changes
BASE_RECIPE=2
BASE_KEY="$(printf '%s\n' "$SUITE" "$PACKAGES" "minbase" "$BASE_RECIPE" | sha256sum | cut -c1-12)"
BASE="enclave/base:$BASE_KEY"
if ! exists "$BASE"; then
  command -v debootstrap >/dev/null || { sudo_ apt-get update -qq >/dev/null; DEBIAN_FRONTEND=noninteractive sudo_ apt-get install -y -qq debootstrap >/dev/null; }
  rootfs="$(mktemp -d /tmp/enclave-rootfs.XXXXXX)"
  trap 'sudo_ rm -rf "$rootfs"' EXIT
  say "making a Debian $SUITE root filesystem with $PACKAGES (about a minute) ..."
  sudo_ debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$rootfs" "$MIRROR" >"$OUT.debootstrap.log" 2>&1 \
    || { tail -n 30 "$OUT.debootstrap.log" >&2; exit 1; }
  sudo_ rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  # mktemp made the directory owner-only: the image's / must be open to every user (PostgreSQL runs as postgres)
  sudo_ chmod 755 "$rootfs"
  sudo_ tar -C "$rootfs" -c . | docker import -c 'ENV LANG=C.UTF-8' - "$BASE" >/dev/null
  sudo_ rm -rf "$rootfs"
  trap - EXIT
  say "imported $BASE"
fi
docker tag "$BASE" enclave/base:current

# --- the runtime: the enclave's jars on the base ------------------------------------------------------
core_cp="$ROOT/enclave-core/target/classpath.txt"
egress_cp="$ROOT/egress-review/service/target/classpath.txt"
launcher_cp="$ROOT/infra/launcher/target/classpath.txt"
zhome="$ROOT/infra/zeppelin-home/target/zeppelin-home"
for f in "$core_cp" "$egress_cp" "$launcher_cp" "$zhome/bin/interpreter.sh"; do
  [ -e "$f" ] || { say "$f is missing: build the modules first (mvn -DskipTests package)"; exit 1; }
done
ctx="$OUT/runtime"
rm -rf "$ctx"
mkdir -p "$ctx/shared/opt/enclave" "$ctx/own/opt/enclave"
# Jars of the enclave itself (they change with every commit) go to a layer of their own, above
# the third-party jars (which change rarely, so the engine's cache keeps their layer).
place() { # place JAR DIR: link (or copy) a jar into the layer it belongs to, under DIR
  local jar="$1" dir="$2" layer=shared
  [ -f "$jar" ] || { say "not a jar file: $jar (build the modules with package first)"; exit 1; }
  case "$(basename "$jar")" in *-0.1.0-SNAPSHOT.jar) layer=own ;; esac
  mkdir -p "$ctx/$layer/opt/enclave/$dir"
  ln -f "$jar" "$ctx/$layer/opt/enclave/$dir/" 2>/dev/null || cp "$jar" "$ctx/$layer/opt/enclave/$dir/"
}
jars() { tr ':' '\n' < "$1"; }
for j in $(jars "$core_cp") "$ROOT/enclave-core/target/enclave-core-0.1.0-SNAPSHOT.jar"; do place "$j" lib; done
for j in $(jars "$egress_cp") "$ROOT/egress-review/service/target/egress-service-0.1.0-SNAPSHOT.jar"; do place "$j" egress-lib; done
# the launcher (notebook server) runs with lib/ behind its own few jars
declare -A inlib=()
for j in $(jars "$core_cp"); do inlib["$(basename "$j")"]=1; done
for j in $(jars "$launcher_cp") "$ROOT/infra/launcher/target/enclave-launcher-0.1.0-SNAPSHOT.jar"; do
  [ -n "${inlib[$(basename "$j")]:-}" ] || place "$j" launcher-lib
done
# the Zeppelin home as the build assembled it: third-party jars shared, the rest (the enclave's jars,
# its pages, scripts) in the enclave's layer
(cd "$zhome" && find . -type f) | while read -r f; do
  layer=own
  case "$f" in *.jar) case "$(basename "$f")" in enclave-*|*-0.1.0-SNAPSHOT.jar) ;; *) layer=shared ;; esac ;; esac
  mkdir -p "$(dirname "$ctx/$layer/opt/enclave/zeppelin-home/$f")"
  ln -f "$zhome/$f" "$ctx/$layer/opt/enclave/zeppelin-home/$f" 2>/dev/null || cp -p "$zhome/$f" "$ctx/$layer/opt/enclave/zeppelin-home/$f"
done
cp -r "$HERE/images/runtime/bin" "$HERE/images/runtime/conf" "$ctx/own/opt/enclave/"
cp "$ROOT/infra/jvm/java17.options" "$ctx/own/opt/enclave/conf/"
chmod 755 "$ctx/own/opt/enclave/bin/"*
# Spark's standalone worker starts executors with SPARK_HOME/jars on their classpath: the enclave's lib,
# so that every executor has the enclave's classes (the policies' expressions run there)
mkdir -p "$ctx/own/opt/enclave/spark" && ln -s ../lib "$ctx/own/opt/enclave/spark/jars"
cp "$HERE/images/runtime/Dockerfile" "$ctx/"
RUNTIME_KEY="$( (cd "$ctx" && find . -type f -print0 | sort -z | xargs -0 sha256sum; find . -type l -printf '%p -> %l\n' | sort; echo "$BASE") \
  | sha256sum | cut -c1-12)"
RUNTIME="enclave/runtime:$RUNTIME_KEY"
if exists "$RUNTIME"; then
  say "$RUNTIME is up to date"
else
  say "building $RUNTIME ($(du -sh --apparent-size "$ctx" | cut -f1) of jars and scripts) ..."
  docker build -q --network host --build-arg BASE="$BASE" -t "$RUNTIME" "$ctx" >/dev/null
fi
docker tag "$RUNTIME" enclave/runtime:current
# older runtimes go (each is the size of its jars, and with the vfs driver every layer a full copy): one per
# commit would fill the disk of a machine that runs CI often; one still used by a container stays
for old in $(docker images enclave/runtime --format '{{.Tag}}' | grep -vx -e current -e "$RUNTIME_KEY"); do
  docker rmi "enclave/runtime:$old" >/dev/null 2>&1 && say "removed the older enclave/runtime:$old" || true
done

# --- PostgreSQL ----------------------------------------------------------------------------------------
pctx="$OUT/postgres"
rm -rf "$pctx" && mkdir -p "$pctx" && cp -r "$HERE/images/postgres/." "$pctx/"
PG_KEY="$( (cd "$pctx" && find . -type f -print0 | sort -z | xargs -0 sha256sum; echo "$BASE") | sha256sum | cut -c1-12)"
PG="enclave/postgres:$PG_KEY"
if exists "$PG"; then
  say "$PG is up to date"
else
  say "building $PG (Debian's postgresql-15) ..."
  docker build -q --network host --build-arg BASE="$BASE" -t "$PG" "$pctx" >/dev/null
fi
docker tag "$PG" enclave/postgres:current

mkdir -p "$OUT"
printf 'base=%s\nruntime=%s\npostgres=%s\n' "$BASE" "$RUNTIME" "$PG" > "$OUT/images.properties"
say "images ready in $((SECONDS - started)) s: $BASE $RUNTIME $PG"
