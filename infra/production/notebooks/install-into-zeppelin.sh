#!/usr/bin/env bash
# Installs the enclave's notebook pieces into an official Apache Zeppelin 0.10 distribution
# (zeppelin-0.10.x-bin-netinst), for providers who run Zeppelin as their platform ships it:
#   install-into-zeppelin.sh ZEPPELIN_HOME ENCLAVE_ZEPPELIN_HOME
# ENCLAVE_ZEPPELIN_HOME is the home the enclave's build assembles (infra/zeppelin-home/target/zeppelin-home,
# /opt/enclave/zeppelin-home in the runtime image). What it does:
#   - removes every interpreter but the enclave's (%spark, %python, %sh, %jdbc ... would run analysts' code)
#   - installs %enclave and %md, the loopback binding of the interpreters' RPC, and the enclave's launch script
#   - puts the guard and the login realm on the server's classpath, the server overrides before Zeppelin's jars
#   - installs the workbench as the web root
# The configuration (zeppelin-site.xml, shiro.ini, the interpreters' settings) is what `notebooks serve`
# writes into its instance's conf/ (docs/operations.md); TLS goes in front (infra/production/tls).
set -euo pipefail
Z="${1:?ZEPPELIN_HOME}"
E="${2:?ENCLAVE_ZEPPELIN_HOME}"
[ -x "$Z/bin/zeppelin-daemon.sh" ] || { echo "install-into-zeppelin.sh: $Z is not a Zeppelin distribution" >&2; exit 2; }
[ -f "$E/interpreter/enclave/interpreter-setting.json" ] || { echo "install-into-zeppelin.sh: $E is not the enclave's Zeppelin home" >&2; exit 2; }
version="$(ls "$Z"/lib/zeppelin-server-*.jar 2>/dev/null | sed -n 's/.*zeppelin-server-\(0\.10\.[0-9]*\)\.jar/\1/p' | head -n 1)"
[ -n "$version" ] || { echo "install-into-zeppelin.sh: only Zeppelin 0.10 is supported (the interpreters' protocol)" >&2; exit 2; }

echo "removing interpreters: $(cd "$Z/interpreter" && ls | tr '\n' ' ')"
rm -rf "${Z:?}/interpreter/"*
cp -r "$E/interpreter/." "$Z/interpreter/"
cp "$E/bin/interpreter.sh" "$Z/bin/interpreter.sh" && chmod 750 "$Z/bin/interpreter.sh"
cp "$E"/lib/enclave-*.jar "$Z/lib/"
mkdir -p "$Z/server-overrides" && cp -r "$E/server-overrides/." "$Z/server-overrides/"
rm -rf "$Z/webapps" && mkdir -p "$Z/webapps" && cp -r "$E/web" "$Z/webapps/enclave-web"
cat <<MSG
installed into $Z (Zeppelin $version). Start it with the server overrides first on its classpath:
  export ZEPPELIN_CLASSPATH_OVERRIDES="$Z/server-overrides:$Z/server-overrides/enclave-zeppelin-loopback.jar"
and the enclave's conf/ (from notebooks serve, or written by your configuration management) as ZEPPELIN_CONF_DIR.
MSG
