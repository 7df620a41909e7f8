"""``python -m fanfare_rx.cli``: the same as the ``fanfare-rx`` command."""

import sys

from fanfare_rx.cli.commands import main

sys.exit(main())
