import os
import tempfile

# Widgets render without a screen in tests and CI.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Tests (and the commands they run) log to a folder of their own, never the user's log folder.
os.environ.setdefault("INFUSIONDESK_LOG_DIR", tempfile.mkdtemp(prefix="infusiondesk-test-logs-"))
