"""Printed and signed documents (reportlab), built from the core's records."""
