"""lakemodel: retrieve real Minnesota lake data, validate it, build tidy tables,
train config-driven models and publish them to a versioned model registry."""

__version__ = "0.1.0"
