"""Windows registry readers shared by host facts and software sources: one interface, three backends
(live winreg, hive files of logged-off users, regedit exports)."""
