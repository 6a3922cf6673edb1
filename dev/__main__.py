"""`python -m dev`: what `make dev` runs."""

import sys

from dev.stack import main

sys.exit(main())
