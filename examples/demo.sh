#!/usr/bin/env bash
# examples/demo.sh — build, install, start a throwaway cluster and show
# share_acl at work on an example workspace; the cluster is removed at the end.
set -euo pipefail
. "$(dirname "$0")/../test/lib.sh"
sa_setup build	# (the packages the build needs; the test suite installs the rest)
sa_start_cluster
sa_log "demo (examples/demo.sql)"
psql -X -v ON_ERROR_STOP=1 -f "$SA_ROOT/examples/demo.sql"
