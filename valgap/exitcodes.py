"""valgap's exit codes, in one place (the CLI help and the README list them)."""

OK = 0          # analysed; nothing listed in --fail-on fired
FINDINGS = 1    # a fit class or cause named in --fail-on fired
USAGE = 2       # bad options or config, or an input that cannot be read
INTERRUPTED = 130  # Ctrl-C

HELP = """Exit codes:
  0    analysed; nothing named in --fail-on fired
  1    a fit class or cause named in --fail-on fired
  2    usage or config error, or an input that cannot be read
       (one line on stderr names the file, and the line where that helps)
  130  interrupted (Ctrl-C)"""
