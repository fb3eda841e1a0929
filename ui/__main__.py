from infusiondesk_ui.cli import main

raise SystemExit(main())
