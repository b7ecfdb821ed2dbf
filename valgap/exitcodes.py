"""valgap's exit codes, in one place (the CLI help and the README list them)."""

OK = 0          # analysed; nothing listed in --fail-on fired
FINDINGS = 1    # a fit class or cause named in --fail-on fired
USAGE = 2       # bad options or config, or an input that cannot be read
OUTPUT = 2      # the report could not be written (-o into a missing folder, a full disk)
INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)
TERMINATED = 143   # SIGTERM (128 + 15): workers are stopped too
BROKEN_PIPE = 141  # the reader of our output went away (128 + SIGPIPE), e.g. `| head`

def help_text(fail_on: bool = True, skip_unreadable: bool = True) -> str:
    """The exit codes as a command's help lists them: only the options it takes."""
    ok = "analysed; nothing named in --fail-on fired" if fail_on else "done"
    lines = ["\b", "Exit codes:", f"  0    {ok}"]
    if fail_on:
        lines.append("  1    a fit class or cause named in --fail-on fired")
    lines += ["  2    usage or config error, an input that cannot be read, or a report that "
              "cannot", "       be written (one line on stderr names the file, and the line "
              "where that helps)", "  130  interrupted (Ctrl-C)",
              "  141  output pipe closed by its reader (e.g. `valgap analyze logs/ | head`)",
              "  143  terminated (SIGTERM); worker processes are stopped with valgap"]
    if skip_unreadable:
        lines += ["A config or usage error, and an unreadable input, both exit 2; "
                  "--skip-unreadable keeps", "unreadable inputs from setting the exit code "
                  "(they are still reported)."]
    return "\n".join(lines)


HELP = help_text()
