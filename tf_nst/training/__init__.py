"""The one trainer (tf.data, checkpoints, resume, TensorBoard) and the tasks it runs: transform
networks, multi-style networks, decoders."""
