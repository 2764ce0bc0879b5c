"""Commands that only call the admin API (hosts, totals, report), like `fleetctl`: they hold no database
connection and add no figure of their own."""
