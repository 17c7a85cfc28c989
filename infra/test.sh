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

exec mvn -B -ntp verify "$@"
