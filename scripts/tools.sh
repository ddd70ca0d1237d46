#!/usr/bin/env bash
# Finds or installs the tools vigil's build and tests need, at the versions pinned in package.json ("config").
# Sourced by .ci/run; run directly (`bash scripts/tools.sh`) to set up a developer machine.
# With CI=true a tool that cannot be had is an error, never a skip.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pinned() { node -p "require('$repo_root/package.json').config.$1"; }
OPA_VERSION="$(pinned opaVersion)"
MOTO_VERSION="$(pinned motoVersion)"
CFN_LINT_VERSION="$(pinned cfnLintVersion)"

fail() { echo "tools: $*" >&2; exit 1; }

ensure_opa() {
  local gobin=""
  if command -v go >/dev/null 2>&1; then gobin="$(go env GOPATH)/bin"; export PATH="$gobin:$PATH"; fi
  if command -v opa >/dev/null 2>&1 && opa version 2>/dev/null | grep -q "^Version: ${OPA_VERSION}$"; then return; fi
  command -v go >/dev/null 2>&1 || fail "opa ${OPA_VERSION} is not on PATH and Go is not installed to build it (go install github.com/open-policy-agent/opa@v${OPA_VERSION})"
  echo "tools: building opa v${OPA_VERSION} with go install (the first build takes minutes; later runs use $gobin)"
  go install "github.com/open-policy-agent/opa@v${OPA_VERSION}"
  opa version | grep -q "^Version: ${OPA_VERSION}$" || fail "opa on PATH is not v${OPA_VERSION}: $(command -v opa)"
}

ensure_moto() {
  if command -v moto_server >/dev/null 2>&1; then return; fi
  if [ -x "$repo_root/.venv/bin/moto_server" ]; then return; fi
  command -v python3 >/dev/null 2>&1 || fail "moto_server is not on PATH and python3 is missing to install it (pip install 'moto[server]==${MOTO_VERSION}')"
  echo "tools: installing moto[server]==${MOTO_VERSION} into .venv"
  python3 -m venv "$repo_root/.venv"
  "$repo_root/.venv/bin/pip" install --quiet "moto[server]==${MOTO_VERSION}"
}

ensure_cfn_lint() {
  if [ -x "$repo_root/.venv/bin/cfn-lint" ] && "$repo_root/.venv/bin/cfn-lint" --version 2>/dev/null | grep -q "${CFN_LINT_VERSION}"; then return; fi
  command -v python3 >/dev/null 2>&1 || fail "cfn-lint needs python3 to install into .venv"
  echo "tools: installing cfn-lint==${CFN_LINT_VERSION} into .venv"
  [ -x "$repo_root/.venv/bin/pip" ] || python3 -m venv "$repo_root/.venv"
  "$repo_root/.venv/bin/pip" install --quiet "cfn-lint==${CFN_LINT_VERSION}"
}

ensure_java_and_maven() {
  # The EventBridge patterns are checked with AWS's own matcher, event-ruler, a Java library from Maven Central.
  command -v java >/dev/null 2>&1 || fail "java is missing (the event-ruler pattern check needs Java 17+ and Maven)"
  command -v mvn >/dev/null 2>&1 || fail "mvn is missing (the event-ruler pattern check needs Maven)"
}

ensure_chromium() {
  for candidate in "${CHROMIUM_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome; do
    [ -n "$candidate" ] && [ -x "$candidate" ] && return
  done
  command -v apt-get >/dev/null 2>&1 || fail "Chromium is missing (the HTML report test renders in it) and apt-get is not here to install it; install Chromium and set CHROMIUM_PATH"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "tools: installing Debian's chromium for the HTML report test"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
  [ -x /usr/bin/chromium ] || fail "apt-get did not install /usr/bin/chromium"
}

ensure_opa
ensure_moto
ensure_cfn_lint
ensure_java_and_maven
ensure_chromium
