complete --keep-order --exclusive --command kvault --arguments "(COMPLETE=fish kvault -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
