#!/usr/bin/env bash
# Compile and run uniffi-generated Kotlin bindings on the JVM without Maven.
#
# Usage:
#   scripts/kotlin-jvm.sh setup     <tools-dir>
#   scripts/kotlin-jvm.sh compile   <tools-dir> <out-jar> <classpath-extra> <file.kt>...
#   scripts/kotlin-jvm.sh run       <tools-dir> <lib-dir> <classpath-extra> <main-class> [args...]
#   scripts/kotlin-jvm.sh classpath <tools-dir>     # prints stdlib:coroutines:jna
#
# <classpath-extra> is a ':'-separated list (may be ""); for `run` it must contain
# the jar built by `compile`. <lib-dir> is the directory holding lib<name>.so
# (e.g. target/debug); it is passed as -Djna.library.path.
# compile/run call setup themselves; setup is idempotent.
#
# Where each piece comes from (Maven Central is not needed):
#   - Kotlin compiler (org.jetbrains.kotlin.cli.jvm.K2JVMCompiler, Kotlin 2.4.0-dev)
#     and kotlin-stdlib-2.3.10-RC.jar: the PyPI wheel kotlin-jupyter-kernel==0.19.0.944
#     (run_kotlin_kernel/jars/), fetched with `pip download`.
#   - kotlinx-coroutines-core 1.10.2: bundled un-relocated (package kotlinx.coroutines)
#     inside that wheel's kotlin-jupyter-kernel-0.19.0-944-all.jar; we copy just those
#     entries into a small jar so the 80 MB compiler jar stays off the runtime classpath.
#   - JNA 5.13: Debian package libjna-java (/usr/share/java/jna.jar, native part from
#     libjna-jni, pulled in automatically).
#   - java: any JDK >= 17 (Debian openjdk-17-jdk-headless, installed when missing).
set -euo pipefail

KJK_VERSION=0.19.0.944
KJK_SHA256=dc654a426a28e6621aeb0bd7772d268a9a877aabae4a17b73383752a416281a3
ALL_JAR=kotlin-jupyter-kernel-0.19.0-944-all.jar
STDLIB_JAR=kotlin-stdlib-2.3.10-RC.jar
COROUTINES_JAR=kotlinx-coroutines-core-jvm-1.10.2.jar
JNA_JAR=${JNA_JAR:-/usr/share/java/jna.jar}
JAVA=${JAVA:-java}
# Any Python 3 with pip (scripts/test passes the interop venv's).
PYTHON=${PYTHON:-python3}

die() { echo "kotlin-jvm.sh: $*" >&2; exit 1; }

setup() {
  local tools=$1
  mkdir -p "$tools"

  local missing=()
  [ -f "$JNA_JAR" ] || missing+=(libjna-java)
  command -v "$JAVA" >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
  if [ ${#missing[@]} -gt 0 ]; then
    local sudo=; [ "$(id -u)" -ne 0 ] && sudo=sudo
    # A fresh machine has no package lists yet: update first, as scripts/test does.
    $sudo apt-get update -qq >&2
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  fi

  if [ ! -f "$tools/$ALL_JAR" ] || [ ! -f "$tools/$STDLIB_JAR" ]; then
    local whl="$tools/kotlin_jupyter_kernel-$KJK_VERSION-py3-none-any.whl"
    [ -f "$whl" ] || "$PYTHON" -m pip download --quiet --no-deps \
      "kotlin-jupyter-kernel==$KJK_VERSION" -d "$tools" >&2
    echo "$KJK_SHA256  $whl" | sha256sum -c --quiet - || die "checksum mismatch: $whl"
    "$PYTHON" - "$whl" "$tools" "$ALL_JAR" "$STDLIB_JAR" <<'PY'
import os, sys, zipfile
whl, tools, names = sys.argv[1], sys.argv[2], sys.argv[3:]
with zipfile.ZipFile(whl) as z:
    for name in names:
        with z.open("run_kotlin_kernel/jars/" + name) as src, open(os.path.join(tools, name), "wb") as dst:
            dst.write(src.read())
PY
    rm -f "$whl"
  fi

  if [ ! -f "$tools/$COROUTINES_JAR" ]; then
    "$PYTHON" - "$tools/$ALL_JAR" "$tools/$COROUTINES_JAR" <<'PY'
import sys, zipfile
keep = ("kotlinx/coroutines/", "META-INF/kotlinx-coroutines-core.kotlin_module",
        "META-INF/kotlinx_coroutines_core.version")
with zipfile.ZipFile(sys.argv[1]) as src, \
     zipfile.ZipFile(sys.argv[2] + ".tmp", "w", zipfile.ZIP_DEFLATED) as dst:
    for e in src.infolist():
        if e.filename.startswith(keep):
            dst.writestr(e, src.read(e))
PY
    mv "$tools/$COROUTINES_JAR.tmp" "$tools/$COROUTINES_JAR"
  fi
}

classpath() { echo "$1/$STDLIB_JAR:$1/$COROUTINES_JAR:$JNA_JAR"; }

mode=${1:-}; shift || true
case "$mode" in
  setup)
    [ $# -eq 1 ] || die "usage: setup <tools-dir>"
    setup "$1" ;;
  classpath)
    [ $# -eq 1 ] || die "usage: classpath <tools-dir>"
    setup "$1"; classpath "$1" ;;
  compile)
    [ $# -ge 4 ] || die "usage: compile <tools-dir> <out-jar> <classpath-extra> <file.kt>..."
    tools=$1 out=$2 extra=$3; shift 3
    setup "$tools"
    mkdir -p "$(dirname "$out")"
    "$JAVA" -cp "$tools/$ALL_JAR" org.jetbrains.kotlin.cli.jvm.K2JVMCompiler \
      -no-stdlib -no-reflect -jvm-target 17 \
      -classpath "$(classpath "$tools")${extra:+:$extra}" \
      -d "$out" "$@" ;;
  run)
    [ $# -ge 4 ] || die "usage: run <tools-dir> <lib-dir> <classpath-extra> <main-class> [args...]"
    tools=$1 libdir=$2 extra=$3 main=$4; shift 4
    setup "$tools"
    exec "$JAVA" -Djna.library.path="$libdir" \
      -cp "${extra:+$extra:}$(classpath "$tools")" "$main" "$@" ;;
  *)
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
