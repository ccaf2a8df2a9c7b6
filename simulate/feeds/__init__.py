"""Results feeds to scenarios: one module per source (LA County, North Carolina 2020, units CSV).

Each importer reads a feed by what its fields mean and writes scenario
mappings the loader checks; it never simulates.
"""
