import sys

from class_server.cli import main

sys.exit(main())
