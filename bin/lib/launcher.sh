# Shared by the bin/ launchers: finds the repo and a JDK, then runs one of the project's jars.
# Sourced, not run. Expects LAUNCHER_NAME and LAUNCHER_JAR (path relative to the repo root).

# The repo root: this file lives in <root>/bin/lib, wherever the launcher was called from (a symlink
# on the PATH included, since launchers source this file through their resolved path).
LAUNCHER_ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)

# $JAVA_HOME/bin/java when set, else the newest JDK under /usr/lib/jvm, else `java` on the PATH.
launcher_java() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    echo "$JAVA_HOME/bin/java"
    return
  fi
  local best="" best_version=0 release version major
  for release in /usr/lib/jvm/*/release; do
    [ -f "$release" ] || continue
    [ -x "$(dirname "$release")/bin/java" ] || continue
    version=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release")
    major=${version:-0}
    if [ "$major" -gt "$best_version" ]; then
      best_version=$major
      best="$(dirname "$release")/bin/java"
    fi
  done
  if [ -n "$best" ]; then
    echo "$best"
  elif command -v java >/dev/null 2>&1; then
    command -v java
  else
    echo "$LAUNCHER_NAME: no Java found; install a JDK 17 or newer, or set JAVA_HOME" >&2
    exit 1
  fi
}

launcher_exec() {
  local root=$LAUNCHER_ROOT jar java
  jar="$root/$LAUNCHER_JAR"
  if [ ! -f "$jar" ]; then
    echo "$LAUNCHER_NAME: $jar is missing; build it with: (cd $root && ./mvnw -B -q package -DskipTests)" >&2
    exit 1
  fi
  java=$(launcher_java)
  # shellcheck disable=SC2086 # JVM options are a word list on purpose
  exec "$java" ${LAUNCHER_JVM_OPTS:-} ${JAVA_OPTS:-} -jar "$jar" "$@"
}
