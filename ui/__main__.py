from infusiondesk_ui.launch import main

raise SystemExit(main())
