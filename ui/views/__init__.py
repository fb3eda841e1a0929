"""The app's screens; each one draws records and calls the core, never re-implementing a rule."""
