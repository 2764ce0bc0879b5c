"""Importers: inventories made by other agents (GLPI, FusionInventory, OCS) or an offline Footprint agent,
turned into footprint.report/1 dicts that the collector ingests like any report it receives.

`files` finds and reads the files, `inventory.read_inventory` maps one file's content, `batch` stores them.
Nothing is imported here, so the CLI can read `files`' limits without loading the parsers."""
