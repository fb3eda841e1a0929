from infusiondesk.cli import main

raise SystemExit(main())
