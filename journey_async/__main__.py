"""`python -m journey_async`: the command line (see `journey-async --help`)."""

import sys

from ._cli import main

sys.exit(main())
