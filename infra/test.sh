#!/usr/bin/env bash
# Runs every test of the enclave: unit tests and integration tests against real HDFS
# (MiniDFSCluster), Spark, PostgreSQL and the browser where the modules need them.
# Installs what the tests need from Debian's packages and Maven Central; nothing by hand.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# Java 17: Hadoop 3.4 does not run on newer JDKs.
if ! java -version 2>&1 | head -n 1 | grep -q '"17\.'; then
  for d in /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/java-17-openjdk*; do
    if [ -x "$d/bin/java" ]; then export JAVA_HOME="$d"; export PATH="$d/bin:$PATH"; break; fi
  done
fi

# The egress service's browser tests drive Debian's Chromium through its ChromeDriver (no browser
# downloads). Install them when missing; the tests then fail rather than skip without them.
if ! [ -x /usr/bin/chromium ] || ! [ -x /usr/bin/chromedriver ] || ! [ -d /usr/share/fonts/opentype/ipafont-gothic ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "infra/test.sh: installing chromium, chromium-driver and a Japanese font from Debian's packages ..." >&2
  $SUDO apt-get update -qq >/dev/null
  # a Japanese font: the pages speak Japanese, and their screenshots should show it
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver fonts-ipafont-gothic >/dev/null
fi
export ENCLAVE_REQUIRE_BROWSER=1

# The allele-frequency tests compare the enclave's counts with plink2's on the same cohort
# (Debian's plink2); they fail, not skip, without it.
if ! command -v plink2 >/dev/null; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "infra/test.sh: installing plink2 from Debian's packages ..." >&2
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq plink2 >/dev/null
fi

# The cluster tests (-Pcluster: infra/cluster, docs/operations.md) run each server in a container of
# its own: they need a Docker engine, which engine.sh starts from Debian's docker.io when none answers.
for arg in "$@"; do
  if [ "$arg" = "-Pcluster" ]; then
    DOCKER_HOST="$("$ROOT/infra/cluster/engine.sh")"
    export DOCKER_HOST
  fi
done

exec mvn -B -ntp verify "$@"
