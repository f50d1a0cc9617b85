import sys

from wsc.cli import main

sys.exit(main())
