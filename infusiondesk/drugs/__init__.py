"""The drug library: data files with a citation per number, validated when loaded."""

from infusiondesk.drugs.library import Drug, Limit, Monitoring, Product, Source, ToxicitySign, library_path, load_drug

__all__ = ["Drug", "Limit", "Monitoring", "Product", "Source", "ToxicitySign", "library_path", "load_drug"]
