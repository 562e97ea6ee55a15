#!/usr/bin/env bash
# Placeholder until the local stack lands: `up`, `down` and `status` of the real servers on loopback.
echo "[stack] not provisioned yet: $*"
