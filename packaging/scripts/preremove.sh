#!/bin/sh
# footprint-agent pre-remove (deb: remove/upgrade; rpm: $1 = 0 erase, 1 upgrade).
# Stops the service on removal and drops the byte-code compiled at install (rpm upgrades keep it:
# there the old package's script runs after the new one is in place).
set -e

case "$1" in
    remove|0)
        if command -v systemctl >/dev/null 2>&1; then
            if [ -d /run/systemd/system ]; then
                systemctl stop footprint-agent.service || true
            fi
            systemctl disable footprint-agent.service >/dev/null 2>&1 || true
        fi
        ;;
esac
case "$1" in
    remove|upgrade|0)
        find /usr/lib/footprint-agent -name __pycache__ -type d -prune -exec rm -rf {} + 2>/dev/null || true
        ;;
esac
exit 0
