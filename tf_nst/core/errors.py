"""The one exception type that the command line turns into a one-line error."""


class UserError(Exception):
    """Bad input from the user: a missing file, an unknown layer, a negative weight.

    The CLI prints ``str(error)`` on one line and exits non-zero; the Python API
    lets it propagate so notebooks see a normal exception.
    """
