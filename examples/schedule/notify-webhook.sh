#!/bin/sh
# A notify hook for snap.config.json: posts each commit's outcome (the JSON snap gives on
# stdin) to a webhook, so a person hears only when something changed or broke:
#   "notify": { "command": ["/path/to/notify-webhook.sh"], "on": ["drift", "partial", "failed"] }
# The webhook's address comes from SNAP_WEBHOOK_URL (set it in the service's environment,
# never in the archive). snap also sets SNAP_EVENT, SNAP_EXIT_CODE, SNAP_VERSION, SNAP_ARCHIVE.
set -eu
: "${SNAP_WEBHOOK_URL:?set SNAP_WEBHOOK_URL to the address to post to}"
exec curl --fail --silent --show-error --max-time 30 \
  -H 'Content-Type: application/json' \
  -H "X-Snap-Event: ${SNAP_EVENT:-unknown}" \
  --data-binary @- "$SNAP_WEBHOOK_URL"
