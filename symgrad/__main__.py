"""``python -m symgrad`` runs the ``symgrad`` command."""

import sys

from .cli import main

sys.exit(main())
