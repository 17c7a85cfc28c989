#!/usr/bin/env bash
# Starts one Zeppelin interpreter process for the enclave. The Zeppelin server runs it as
#   interpreter.sh -d <home>/interpreter/<group> -c <callback host> -p <callback port> -r <port range>
#                  -i <interpreter group id> -l <local repo> -g <setting name> [-u <user>]
# Only the enclave's two interpreter groups start: enclave (one setting per project, named by the
# project: the process serves that project) and md. The process gets a clean environment: nothing
# a paragraph (%conf) or the server's environment carries reaches its JVM except what is read here.
set -euo pipefail

HOME_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="" CB_HOST="" CB_PORT="" RANGE="" GROUP_ID="" SETTING=""
while getopts ":d:c:p:r:i:l:g:u:" opt; do
  case "$opt" in
    d) DIR="$OPTARG" ;;
    c) CB_HOST="$OPTARG" ;;
    p) CB_PORT="$OPTARG" ;;
    r) RANGE="$OPTARG" ;;
    i) GROUP_ID="$OPTARG" ;;
    l) ;;
    g) SETTING="$OPTARG" ;;
    u) echo "interpreter.sh: user impersonation is not used in the enclave" >&2; exit 2 ;;
    *) echo "interpreter.sh: unknown option -$OPTARG" >&2; exit 2 ;;
  esac
done

GROUP="$(basename "$DIR")"
case "$GROUP" in
  enclave|md) ;;
  *) echo "interpreter.sh: interpreter group '$GROUP' is not installed in the enclave" >&2; exit 2 ;;
esac
[ "$(cd "$DIR" 2>/dev/null && pwd)" = "$HOME_DIR/interpreter/$GROUP" ] || { echo "interpreter.sh: $DIR is not $HOME_DIR/interpreter/$GROUP" >&2; exit 2; }
[ "$CB_HOST" = "127.0.0.1" ] || { echo "interpreter.sh: the callback host must be 127.0.0.1, not '$CB_HOST'" >&2; exit 2; }
[[ "$CB_PORT" =~ ^[0-9]+$ ]] || { echo "interpreter.sh: bad callback port '$CB_PORT'" >&2; exit 2; }
[[ "$RANGE" =~ ^[0-9]*:[0-9]*$ ]] || { echo "interpreter.sh: bad port range '$RANGE'" >&2; exit 2; }
[[ "$SETTING" =~ ^[A-Za-z0-9_-]{1,40}$ ]] || { echo "interpreter.sh: bad setting name '$SETTING'" >&2; exit 2; }
[[ "$GROUP_ID" =~ ^[A-Za-z0-9_-]{1,100}$ ]] || { echo "interpreter.sh: bad interpreter group id '$GROUP_ID'" >&2; exit 2; }

CONF="${ZEPPELIN_CONF_DIR:?ZEPPELIN_CONF_DIR is not set}"
LOGS="${ZEPPELIN_LOG_DIR:-$CONF/../logs}"
mkdir -p "$LOGS"

find_java() {
  for j in "${ENCLAVE_JAVA:-}" /usr/lib/jvm/java-17-openjdk-amd64/bin/java /usr/lib/jvm/java-17-openjdk*/bin/java "$(command -v java || true)"; do
    [ -n "$j" ] && [ -x "$j" ] && "$j" -version 2>&1 | head -n 1 | grep -q '"17\.' && { echo "$j"; return 0; }
  done
  echo "interpreter.sh: Java 17 is required" >&2
  return 1
}
JAVA="$(find_java)"

SHADED="$(ls "$HOME_DIR"/interpreter/zeppelin-interpreter-shaded-*.jar | head -n 1)"
# Thrift's server socket bound to loopback first (the interpreter's RPC has no authentication); then the
# interpreter's own jars: the shaded jar carries an old netty that Spark must not load.
CP="$HOME_DIR/interpreter/enclave-zeppelin-loopback.jar:$DIR/*:$SHADED"
# production: the site's Hadoop configuration (Kerberos, TLS, HA) first, and the enclave's Kerberos login
KERBEROS=()
if [ "$GROUP" = "enclave" ]; then
  [ -n "${HADOOP_CONF_DIR:-}" ] && CP="$HADOOP_CONF_DIR:$CP"
  for v in ENCLAVE_KERBEROS_KEYTAB ENCLAVE_KERBEROS_PRINCIPAL KRB5CCNAME KRB5_CONFIG ENCLAVE_TOKEN_REFRESH_SECONDS; do
    [ -n "${!v:-}" ] && KERBEROS+=("$v=${!v}")
  done
fi
JVM=(-Dfile.encoding=UTF-8 -Djava.net.preferIPv4Stack=true -Dzeppelin.log.file="$LOGS/interpreter-$SETTING.log"
     -Dlog4j.configuration="file:$CONF/log4j-interpreter.properties"
     -Dlog4j2.configurationFile="$CONF/log4j2-interpreter.properties" -Denclave.log.file="$LOGS/interpreter-$SETTING.log")
if [ "$GROUP" = "enclave" ]; then
  HEAP="$(cat "$CONF/enclave-interpreter.heap" 2>/dev/null || echo 2g)"
  [[ "$HEAP" =~ ^[0-9]+[mg]$ ]] || HEAP=2g
  JVM+=(@"$HOME_DIR/jvm/java17.options" -Xmx"$HEAP"
        -Denclave.project="$SETTING" -Denclave.notebook.settings="$CONF/enclave-notebook.properties")
else
  JVM+=(-Xmx256m)
fi

cd "$LOGS"
exec env -i PATH=/usr/bin:/bin HOME="$LOGS" SPARK_LOCAL_IP=127.0.0.1 ZEPPELIN_LOCAL_IP=127.0.0.1 INTERPRETER_GROUP_ID="$GROUP_ID" \
  ${KERBEROS[@]+"${KERBEROS[@]}"} \
  "$JAVA" "${JVM[@]}" -cp "$CP" org.apache.zeppelin.interpreter.remote.RemoteInterpreterServer "$CB_HOST" "$CB_PORT" "$GROUP_ID" "$RANGE" \
  >>"$LOGS/interpreter-$SETTING.out" 2>&1
