"""`python -m siaga112` is the `siaga112` command."""

from siaga112.cli import main

raise SystemExit(main())
