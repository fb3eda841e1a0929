"""InfusionDesk's domain core: units, drug library, dosing, records.

Imports nothing from Qt, reportlab or pyHanko, so it runs in tests, the CLI and the app alike.
"""

__version__ = "0.1.0"
