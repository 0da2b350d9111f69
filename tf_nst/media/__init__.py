"""Images in and out: robust decoding, atomic writes, resizing, colour, and the tile grid for large
images. Knows no networks."""
