"""Mapping files shipped with yibao: `yibao ingest DIR --mapping NAME`."""
