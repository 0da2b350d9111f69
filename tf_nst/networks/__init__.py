"""Feed-forward networks and their files: padding layers, the transform network, decoders, the light
encoder, the ``.npz`` store and thumbnail-statistics norms."""
