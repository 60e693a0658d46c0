#!/usr/bin/env bash
# Helm, to lint and render deploy/helm/profilehub: built once with `go install` from the Go module proxy into the
# download cache, then reused. Prints the path of the binary. Usage: helm.sh [path]
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

HELM_VERSION="${HELM_VERSION:-v3.22.0}"
HELM="$CACHE_DIR/helm-$HELM_VERSION/helm"

build_helm() {
  [[ -x "$HELM" ]] && return 0
  need go "building Helm $HELM_VERSION (linting and rendering the chart)" \
    "install Go 1.26+ from https://go.dev/dl or apt-get install golang"
  log "building Helm $HELM_VERSION with go install from the Go module proxy (once; cached in $(dirname "$HELM"))"
  local bin
  bin="$(mktemp -d)"
  GOBIN="$bin" GOTOOLCHAIN="${GOTOOLCHAIN:-local}" CGO_ENABLED=0 go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2 \
    || { rm -rf "$bin"; die "building Helm $HELM_VERSION failed"; }
  mkdir -p "$(dirname "$HELM")"
  mv "$bin/helm" "$HELM"
  rm -rf "$bin"
}

case "${1:-path}" in
  path) build_helm; echo "$HELM" ;;
  *) die "usage: helm.sh [path]" ;;
esac
