#!/usr/bin/env bash
# Finds or installs the tools vigil's tests need, at the versions pinned in package.json ("config"): opa, moto, cfn-lint,
# Java 17+ with Maven (and the event-ruler harness built), Chromium. `npm test` runs it first (the pretest script); what it
# finds is linked into .cache/tools/bin and remembered, so a second run only checks that those files are still there.
# What it cannot install is named, with the system package that provides it, and the run fails: nothing is skipped.
set -uo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$repo_root/.cache/tools"
bin="$tools/bin"
mkdir -p "$bin"
read -r OPA_VERSION MOTO_VERSION CFN_LINT_VERSION < <(node -e "const c = require('$repo_root/package.json').config; console.log(c.opaVersion, c.motoVersion, c.cfnLintVersion)")
ready_file="$tools/ready"
# What a previous run verified; it holds for as long as the pins, this script and the linked files stay the same.
ready="opa=$OPA_VERSION moto=$MOTO_VERSION cfn-lint=$CFN_LINT_VERSION script=$(cksum < "${BASH_SOURCE[0]}" | cut -d' ' -f1)"
missing=()

say() { echo "tools: $*" >&2; }
cannot() { missing+=("$*"); }
on_path() { command -v "$1" >/dev/null 2>&1; }
# Root, or sudo without a password: then the system's package manager can be used.
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; elif sudo -n true 2>/dev/null; then sudo "$@"; else return 1; fi; }
apt_install() {
  on_path apt-get || return 1
  say "installing $* with apt-get"
  as_root apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}
link() { ln -sf "$1" "$bin/$2"; }

if [ -f "$ready_file" ] && [ "$(cat "$ready_file")" = "$ready" ] && [ -x "$bin/opa" ] && [ -x "$bin/moto_server" ] && [ -x "$bin/cfn-lint" ] \
  && [ -x "$bin/chromium" ] && [ -d "$repo_root/test/event-ruler/target/classes" ] && on_path java && on_path mvn; then
  exit 0
fi
rm -f "$ready_file"

# The tool's whole answer is read before it is matched: `tool | grep -q` under pipefail fails at random when grep stops
# reading at the first match and the tool dies of SIGPIPE (a CI run here failed so, with opa built and correct).
opa_is() { [[ $'\n'"$("$1" version 2>/dev/null)"$'\n' == *$'\n'"Version: ${OPA_VERSION}"$'\n'* ]]; }

ensure_opa() {
  local candidate
  for candidate in "$bin/opa" "$(command -v opa 2>/dev/null)" "$( (go env GOPATH 2>/dev/null || true) | sed 's|$|/bin/opa|')"; do
    [ -n "$candidate" ] && [ -x "$candidate" ] || continue
    if opa_is "$candidate"; then
      [ "$candidate" = "$bin/opa" ] || link "$(readlink -f "$candidate")" opa
      return
    fi
  done
  if ! on_path go; then
    cannot "opa ${OPA_VERSION} is not installed, and Go is needed to build it (Debian/Ubuntu: apt-get install golang-go; then this script runs go install github.com/open-policy-agent/opa@v${OPA_VERSION})"
    return
  fi
  say "building opa v${OPA_VERSION} with go install into .cache/tools/bin (the first build takes minutes)"
  rm -f "$bin/opa"
  # GOTOOLCHAIN=auto: an older Go fetches the toolchain opa's go.mod asks for, through the Go module proxy.
  if ! GOBIN="$bin" GOTOOLCHAIN=auto go install "github.com/open-policy-agent/opa@v${OPA_VERSION}" || ! opa_is "$bin/opa"; then
    cannot "go install github.com/open-policy-agent/opa@v${OPA_VERSION} failed (see above)"
  fi
}

# The project's .venv, made once; a .venv that exists (the demo's, or an earlier run's) is used as it is.
ensure_venv() {
  [ -x "$repo_root/.venv/bin/pip" ] && return 0
  if ! on_path python3; then
    cannot "python3 is missing, needed for moto and cfn-lint (Debian/Ubuntu: apt-get install python3 python3-venv)"
    return 1
  fi
  local output
  if ! output="$(python3 -m venv "$repo_root/.venv" 2>&1)"; then
    if grep -q "ensurepip" <<<"$output"; then cannot "python3 cannot create a virtual environment: install its venv module (Debian/Ubuntu: apt-get install python3-venv)"
    else cannot "python3 -m venv .venv failed: $output"; fi
    return 1
  fi
}

ensure_moto() {
  local found="$repo_root/.venv/bin/moto_server"
  [ -x "$found" ] || found="$(command -v moto_server 2>/dev/null)"
  if [ -z "$found" ]; then
    ensure_venv || return
    say "installing moto[server]==${MOTO_VERSION} into .venv"
    "$repo_root/.venv/bin/pip" install --quiet "moto[server]==${MOTO_VERSION}" || { cannot "pip install moto[server]==${MOTO_VERSION} failed (see above)"; return; }
    found="$repo_root/.venv/bin/moto_server"
  fi
  link "$found" moto_server
}

ensure_cfn_lint() {
  local candidate
  for candidate in "$repo_root/.venv/bin/cfn-lint" "$(command -v cfn-lint 2>/dev/null)"; do
    [ -n "$candidate" ] && [ -x "$candidate" ] || continue
    if [[ "$("$candidate" --version 2>/dev/null)" == *"cfn-lint ${CFN_LINT_VERSION}" ]]; then link "$candidate" cfn-lint; return; fi
  done
  ensure_venv || return
  say "installing cfn-lint==${CFN_LINT_VERSION} into .venv"
  "$repo_root/.venv/bin/pip" install --quiet "cfn-lint==${CFN_LINT_VERSION}" || { cannot "pip install cfn-lint==${CFN_LINT_VERSION} failed (see above)"; return; }
  link "$repo_root/.venv/bin/cfn-lint" cfn-lint
}

# The EventBridge patterns are checked with AWS's own matcher, event-ruler, a Java library from Maven Central.
ensure_java_and_maven() {
  local java_major
  java_major="$(java -version 2>&1 | sed -n 's/.* version "\([0-9]*\).*/\1/p' | head -1)"
  if [ -z "$java_major" ] || [ "$java_major" -lt 17 ] || ! on_path mvn; then
    apt_install openjdk-17-jdk-headless maven || true
    java_major="$(java -version 2>&1 | sed -n 's/.* version "\([0-9]*\).*/\1/p' | head -1)"
  fi
  if [ -z "$java_major" ] || [ "$java_major" -lt 17 ]; then cannot "Java 17 or later is missing (Debian/Ubuntu: apt-get install openjdk-17-jdk-headless)"; return; fi
  on_path mvn || { cannot "Maven is missing (Debian/Ubuntu: apt-get install maven)"; return; }
  [ -d "$repo_root/test/event-ruler/target/classes" ] && return
  say "building the event-ruler harness with Maven (downloads event-ruler and the plugins once, into ~/.m2)"
  echo '{}' > "$tools/no-patterns.json"
  mvn -q -B -f "$repo_root/test/event-ruler/pom.xml" compile exec:java "-Dexec.args=$tools/no-patterns.json" >/dev/null \
    || cannot "the event-ruler harness did not build (mvn -f test/event-ruler/pom.xml compile; see above)"
}

ensure_chromium() {
  local candidate
  for candidate in "${CHROMIUM_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then link "$candidate" chromium; return; fi
  done
  apt_install chromium || true
  if [ -x /usr/bin/chromium ]; then link /usr/bin/chromium chromium; return; fi
  cannot "Chromium is missing, needed by the HTML report test (Debian/Ubuntu: apt-get install chromium), or set CHROMIUM_PATH to a Chrome or Chromium"
}

ensure_opa
ensure_moto
ensure_cfn_lint
ensure_java_and_maven
ensure_chromium

if [ "${#missing[@]}" -gt 0 ]; then
  for line in "${missing[@]}"; do say "$line"; done
  say "npm test needs these; it runs nothing until they are there (CI or not)"
  exit 1
fi
echo "$ready" > "$ready_file"
