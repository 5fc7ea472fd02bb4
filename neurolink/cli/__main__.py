"""``python -m neurolink.cli``: the console script."""

import sys

try:
    from neurolink.cli.main import main
except KeyboardInterrupt:  # Ctrl-C before the command line is even read
    print("neurolink: interrupted", file=sys.stderr)
    sys.exit(130)

sys.exit(main())
