"""`python -m dev`: what `make dev` runs; `python -m dev env`: what `make env` runs."""

import sys

if sys.argv[1:2] == ["env"]:
    from dev.token import env_main

    sys.exit(env_main(sys.argv[2:]))

from dev.stack import main

sys.exit(main())
