"""The PySide6 desktop app: views that call the core (infusiondesk) and the PDF note (reports)."""

import sys

if sys.version_info < (3, 12) and sys.implementation.name == "cpython":
    # PySide6 6.12 ships one abi3 wheel built for Pythons where None is immortal: each Qt call returning None
    # drops a reference to None without taking one, so on Python 3.11 None's count reaches zero after a few
    # thousand calls and the interpreter aborts ("none_dealloc"). Make None effectively immortal, as it is
    # from Python 3.12 on. Guarded by tests/ui/test_pyside_none.py.
    import ctypes

    ctypes.c_ssize_t.from_address(id(None)).value += 1 << 40
