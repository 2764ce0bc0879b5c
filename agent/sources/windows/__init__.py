"""Windows software sources: the Uninstall keys and MSIX/Store packages."""
