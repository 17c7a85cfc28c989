#!/usr/bin/env bash
# The scaling benchmark (not part of the tests): the governed-query workload in local mode and on a
# two-worker Spark standalone cluster, over one HDFS in containers, at 1x, 4x and 16x the data:
#   infra/cluster/bench.sh [--rows N] [--scales 1,4,16] [--repetitions R]
# It starts the engine and builds the images if needed (infra/cluster/engine.sh, images.sh), runs the
# NameNode, DataNode, master and two workers (one core and 1 GiB each) on 127.0.0.1, runs
# `./enclave bench cluster` against them, and removes the containers. Results: bench-results/cluster.txt.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
export DOCKER_HOST="${DOCKER_HOST:-$("$HERE/engine.sh")}"
(cd "$ROOT" && mvn -q -o -DskipTests install >/dev/null 2>&1 || mvn -q -DskipTests install >/dev/null)
"$HERE/images.sh"
names=(bench-namenode bench-datanode bench-master bench-worker-1 bench-worker-2)
cleanup() { docker rm -f "${names[@]}" >/dev/null 2>&1 || true; }
trap cleanup EXIT
cleanup
run() { local name="$1"; shift; docker run -d --name "$name" --label enclave.bench=true --network host "$@" >/dev/null; }
wait_for() { # wait_for NAME LINE
  for _ in $(seq 1 120); do docker logs "$1" 2>&1 | grep -q "$2" && return 0; sleep 1; done
  echo "bench.sh: $1 did not start:" >&2; docker logs "$1" 2>&1 | tail -n 20 >&2; exit 1
}
IMG=enclave/runtime:current
# the cluster's shared secret: master, workers and the benchmark's drivers authenticate with it
secrets="$ROOT/bench-results/cluster-secrets"
mkdir -p "$secrets" && chmod 700 "$secrets"
[ -s "$secrets/spark.secret" ] || (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$secrets/spark.secret")
AUTH=(-e SPARK_AUTH_SECRET_FILE="$secrets/spark.secret" -v "$secrets:$secrets:ro")
run bench-namenode -e ENCLAVE_HDFS=hdfs://127.0.0.1:18020 -e NN_HTTP_PORT=19870 "$IMG" namenode
run bench-master "${AUTH[@]}" -e SPARK_MASTER_PORT=17077 -e SPARK_MASTER_WEBUI_PORT=18180 "$IMG" spark-master
wait_for bench-namenode "IPC Server listener on 18020"
run bench-datanode -e ENCLAVE_HDFS=hdfs://127.0.0.1:18020 -e DN_PORT=19866 -e DN_HTTP_PORT=19864 -e DN_IPC_PORT=19867 "$IMG" datanode
wait_for bench-master "I have been elected leader"
for i in 1 2; do
  run "bench-worker-$i" "${AUTH[@]}" -e SPARK_MASTER=spark://127.0.0.1:17077 -e SPARK_WORKER_CORES=1 -e SPARK_WORKER_MEMORY=1g \
    -e SPARK_WORKER_WEBUI_PORT=$((18180 + i)) "$IMG" spark-worker
done
wait_for bench-datanode "Successfully sent block report"
wait_for bench-worker-1 "Successfully registered with master"
wait_for bench-worker-2 "Successfully registered with master"
mkdir -p "$ROOT/bench-results"
"$ROOT/enclave" bench cluster --target hdfs://127.0.0.1:18020/enclave --master spark://127.0.0.1:17077 \
  --secret-file "$secrets/spark.secret" --conf spark.executor.memory=768m --conf spark.cores.max=2 \
  --conf spark.shuffle.readHostLocalDisk=false "$@" \
  | tee "$ROOT/bench-results/cluster.txt"
