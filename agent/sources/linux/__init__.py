"""Linux package databases and application stores: dpkg, rpm, snap, flatpak."""
