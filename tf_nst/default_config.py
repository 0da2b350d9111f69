"""The config ``tf-nst stylize`` uses when no ``--config`` file is given."""
from tf_nst.config import base_config


def get_config():
    return base_config()
