#!/usr/bin/env bash
# Writes container log files in CRI format (<RFC3339Nano> <stream> F <text>) for KWOK's
# ClusterLogs: one file per known container name (web, db, migrate) and one for any other
# container (app). A line every 2 s, stamped now, so followers and sinceTime readers see
# fresh lines; every line carries the marker "hda-test-log container=<name>".
# The *-previous.log files hold what a crashed container printed before it exited.
set -euo pipefail
dir=$1
names=(web db migrate app)
ts() { date -u +%Y-%m-%dT%H:%M:%S.%NZ; }
for n in "${names[@]}"; do
	{
		echo "$(ts) stdout F hda-test-log container=$n seq=0 msg=\"starting $n\""
		echo "$(ts) stdout F hda-test-log container=$n seq=1 msg=\"listening on :8080\""
	} >"$dir/$n.log"
	{
		echo "$(ts) stdout F hda-test-log container=$n previous=true msg=\"starting $n\""
		echo "$(ts) stderr F hda-test-log container=$n previous=true msg=\"panic: cannot connect to database\""
	} >"$dir/$n-previous.log"
done
seq=2
while :; do
	sleep 2
	for n in "${names[@]}"; do
		echo "$(ts) stdout F hda-test-log container=$n seq=$seq msg=\"handled request\"" >>"$dir/$n.log"
	done
	seq=$((seq + 1))
done
