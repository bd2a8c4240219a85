#!/bin/sh
# Runs include_graph_test.py over the cc/core sources in the runfiles with
# Debian's python3 (the first python3 on PATH may be another interpreter).
exec /usr/bin/python3 cc/core/include_graph_test.py cc/core
