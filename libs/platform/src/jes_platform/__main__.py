import sys

from jes_platform.cli import main

sys.exit(main())
