"""The frozen app's entry script: the same front door as the installed `infusiondesk` command
(`infusiondesk_ui.launch.main`): no command opens the window, `calc`/`demo`/`export-note`/`verify` run the command
line, and the hidden `_worker` subcommand runs the note worker."""

from infusiondesk_ui.launch import main

raise SystemExit(main())
