"""Phones attached to this workstation (Android over adb, iPhones and iPads over libimobiledevice),
each inventoried as a host of its own (docs/report-format.md, "Phones")."""
