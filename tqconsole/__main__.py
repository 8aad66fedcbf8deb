from tqconsole.cli import main

raise SystemExit(main())
