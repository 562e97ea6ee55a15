#!/usr/bin/env bash
# Prints the path of a Helm binary, building it once from the Go module proxy into the per-user cache.
. "$(dirname "$0")/lib.sh"
HELM_VERSION="${NF_HELM_VERSION:-v3.22.0}"
bin="$NF_CACHE/helm-$HELM_VERSION/helm"
if [ ! -x "$bin" ]; then
  nf_go_env || exit 1
  nf_log "helm: building helm $HELM_VERSION (once; cached in $NF_CACHE)"
  start=$SECONDS
  tmp="$(mktemp -d)"
  GOBIN="$tmp" nice go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2
  mkdir -p "$(dirname "$bin")" && mv "$tmp/helm" "$bin" && rm -rf "$tmp"
  nf_log "helm: built in $((SECONDS - start))s"
fi
printf '%s\n' "$bin"
