"""Reads a running server's CPU time and memory from /proc.

Owns nothing but parsing; it neither starts nor stops processes. Every
function raises ProcessLookupError when the process is gone, so callers can
tell "the server died" from a parse problem.
"""

import os

CLK_TCK = os.sysconf("SC_CLK_TCK")


def parse_stat_cpu(text):
    """(utime, stime) in clock ticks from the text of /proc/PID/stat. The
    command name (field 2) may contain spaces and parentheses, so fields are
    counted from the last ')'."""
    rest = text[text.rindex(")") + 2:].split()
    # rest[0] is field 3 (state); utime and stime are fields 14 and 15.
    return int(rest[11]), int(rest[12])


def cpu_seconds(pid):
    """(user, system) CPU seconds used so far by every thread of `pid`,
    including threads that already exited."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            text = f.read()
    except FileNotFoundError:
        raise ProcessLookupError(pid) from None
    utime, stime = parse_stat_cpu(text)
    return utime / CLK_TCK, stime / CLK_TCK


def parse_status_kib(text, field):
    """The number after `field:` in /proc/PID/status text (kB for Vm* fields)."""
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise ValueError("no %s in /proc/PID/status" % field)


def rss_bytes(pid):
    """Resident set size of `pid` in bytes (VmRSS)."""
    try:
        with open("/proc/%d/status" % pid) as f:
            text = f.read()
    except FileNotFoundError:
        raise ProcessLookupError(pid) from None
    return parse_status_kib(text, "VmRSS") * 1024


def thread_count(pid):
    """Number of threads `pid` has now."""
    try:
        with open("/proc/%d/status" % pid) as f:
            text = f.read()
    except FileNotFoundError:
        raise ProcessLookupError(pid) from None
    return parse_status_kib(text, "Threads")
