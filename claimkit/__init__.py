"""claimkit: see how sure a news article is."""

__version__ = "0.1.0"
