#!/bin/sh
# footprint-agent post-remove. `remove` (and rpm -e) keeps agent.toml, enrollment and the spool so a
# reinstall carries on; `purge` (deb) deletes them.
set -e

case "$1" in
    purge)
        rm -f /etc/footprint/agent.toml /etc/footprint/enroll.env
        rmdir /etc/footprint 2>/dev/null || true
        rm -rf /var/lib/footprint-agent
        ;;
esac
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    systemctl daemon-reload || true
fi
exit 0
