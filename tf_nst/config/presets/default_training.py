"""The config ``tf-nst train`` uses when no ``--config`` file is given."""
from tf_nst.config import training_config


def get_config():
    return training_config()
