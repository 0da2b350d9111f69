"""Keeping the terminal readable: native libraries (TensorFlow, LiteRT) print start-up chatter on fd 2."""
from __future__ import annotations

import contextlib
import os
import sys


@contextlib.contextmanager
def quiet_stderr():
    """Hide TensorFlow's C++ start-up chatter (it ignores TF_CPP_MIN_LOG_LEVEL) on fd 2."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(devnull)
        os.close(saved)
