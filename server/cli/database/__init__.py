"""Commands that open the collector's database themselves (serve, db, tokens, import, reclassify): run on
the collector host, like Fleet's `fleet` binary."""
