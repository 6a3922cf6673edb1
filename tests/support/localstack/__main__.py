"""`python -m tests.support.localstack`: what `make dev` runs."""

import sys

from tests.support.localstack.stack import main

sys.exit(main())
