#!/bin/sh
# footprint-agent post-install (deb: configure; rpm: $1 = 1 install, 2 upgrade).
# Creates agent.toml from the template only when absent (an edited one is never touched), enrolls from
# FOOTPRINT_SERVER/FOOTPRINT_ENROLL_SECRET or /etc/footprint/enroll.env, enables and (re)starts the service.
set -e

template=/usr/share/footprint-agent/agent.toml
config=/etc/footprint/agent.toml
preseed=/etc/footprint/enroll.env
state=/var/lib/footprint-agent

case "$1" in
    configure|1|2) ;;
    *) exit 0 ;;
esac

install -d -m 0755 /etc/footprint
if [ ! -e "$config" ]; then
    install -m 0644 "$template" "$config"
fi
install -d -m 0700 "$state"
[ -e "$preseed" ] && chmod 0600 "$preseed"

python3 -m compileall -q /usr/lib/footprint-agent >/dev/null 2>&1 || true

if [ ! -e "$state/host-key.json" ] && { [ -n "$FOOTPRINT_ENROLL_SECRET" ] || [ -e "$preseed" ]; }; then
    if ! FOOTPRINT_STATE_DIR="$state" /usr/bin/footprint-agent enroll; then
        echo "footprint-agent: enrollment failed; the service retries it, or run: footprint-agent enroll" >&2
    fi
fi

if command -v systemctl >/dev/null 2>&1; then
    systemctl enable footprint-agent.service >/dev/null 2>&1 || true
    if [ -d /run/systemd/system ]; then
        systemctl daemon-reload || true
        systemctl restart footprint-agent.service || true
    fi
fi
exit 0
