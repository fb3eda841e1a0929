import os

# Widgets render without a screen in tests and CI.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
