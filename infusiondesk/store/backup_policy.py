"""How many backups a folder keeps: in a module of its own, with no imports, because the command-line parser
(built for every command, `calc` included) shows these bounds in `backup --help`."""

KEEP_DEFAULT = 14  # the daily backups kept in a folder unless the admin chooses otherwise
KEEP_MIN, KEEP_MAX = 1, 365
