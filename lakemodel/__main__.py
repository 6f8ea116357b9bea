"""``python -m lakemodel``: see lakemodel.cli."""
import sys

from .cli import main

sys.exit(main())
