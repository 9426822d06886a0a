#!/bin/sh
# Entry point of the connect-dev image.
#
#   (no arguments)      serve the role named by $CONNECT_DEV_ROLE (default: api)
#   api | sync          serve that role, like the connect-api / connect-sync images
#   anything else       run it as a command (e.g. `connect-dev seed ...`)
#
# The server reads the official images' environment itself: OP_SESSION,
# OP_HTTP_PORT, OP_HTTPS_PORT, OP_TLS_CERT_FILE, OP_TLS_KEY_FILE, OP_LOG_LEVEL,
# OP_MAX_INLINE_FILE_SIZE_KB. OP_BUS_PORT and OP_BUS_PEERS are accepted; the
# dev server's roles share the SQLite data on the volume and need no bus.
set -eu
data=/home/opuser/.op/data
case "${1:-}" in
    "")
        set -- "${CONNECT_DEV_ROLE:-api}"
        ;;
esac
case "$1" in
    api|sync)
        role=$1
        shift
        exec connect-dev serve --host "${CONNECT_DEV_HOST:-0.0.0.0}" --data "$data" --role "$role" "$@"
        ;;
    *)
        exec "$@"
        ;;
esac
