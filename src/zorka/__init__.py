"""zorka: an open ground segment for Earth-observation satellites."""

__version__ = "0.1.0"
