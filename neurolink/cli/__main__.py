"""``python -m neurolink.cli``: the console script."""

import sys

from neurolink.cli.main import main

sys.exit(main())
