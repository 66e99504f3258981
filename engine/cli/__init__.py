"""The ``hsad`` command line: one module per subcommand, all on the same engine."""
