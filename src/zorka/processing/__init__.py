"""Processing of payload data: L0 lines, L1A frames with RPCs from orbit and attitude, and
map-projected L1B/L1C Cloud-Optimised GeoTIFFs with quick-looks and STAC items, run as tasks
that fan out on Dask."""
