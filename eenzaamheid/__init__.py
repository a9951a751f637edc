"""Open data package of the Benchmark Eén tegen eenzaamheid municipal survey 2019-2024."""

__version__ = "0.1.0"
