"""The pure dispatch domain: no framework, no database, no network."""
