"""The ground floor: the one error type users see, what the CPU can do, quiet consoles and the
pretrained-weights folder. Imports nothing of tf_nst."""
