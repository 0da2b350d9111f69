"""Video: decoding and encoding clips (PyAV), temporal stabilization with optical flow, and video
transfer through any fast model."""
