"""Reusable input widgets: each field parses with the core and says what is wrong in words."""
