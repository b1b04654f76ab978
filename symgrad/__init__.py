"""symgrad: readable, runnable, trustworthy derivatives for machine learning."""
from .errors import *  # noqa
from .function import Function, as_function

__version__ = "0.1.0"
