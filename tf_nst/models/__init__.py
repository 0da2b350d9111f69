"""The models by name, and the bundled model files (``*.npz``, package data) beside this module."""
from tf_nst.models.loading import load_model

__all__ = ["load_model"]
