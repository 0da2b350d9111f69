"""Optimization-based style transfer (Gatys et al.): the loop over the pixels, ``stylize`` from a
config, memory estimates and run reports."""
