"""The PySide6 desktop app: views that call the core (infusiondesk) and the PDF note (reports)."""
