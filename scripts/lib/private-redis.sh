# Sourced by scripts that need a private redis-server (test.sh,
# fleet-failover.sh, preview-traffic.sh).
#
#   start_private_redis LOGFILE   # sets redis_pid and redis_port, or returns 1
#
# redis-server cannot listen on port 0, so it is started on a random port
# below the kernel's ephemeral range (servers binding port 0 never get one
# of those), again on another when the bind fails, and taken as ours only
# once `INFO server` on the port reports its own process id: a foreign
# server holding the port is never mistaken for it.

start_private_redis() {
  local log=$1 low attempt
  low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  [[ "$low" =~ ^[0-9]+$ && "$low" -gt 11000 ]] || low=32768
  redis_pid="" redis_port=""
  for attempt in $(seq 1 10); do
    local port=$((10000 + RANDOM % (low - 10000)))
    redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
      --daemonize no --loglevel warning >"$log" 2>&1 &
    local pid=$!
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break  # could not bind: try another port
      if [[ "$(redis-cli -p "$port" INFO server 2>/dev/null |
               sed -n 's/^process_id:\([0-9]*\).*/\1/p')" == "$pid" ]]; then
        redis_pid=$pid redis_port=$port
        return 0
      fi
      sleep 0.1
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  return 1
}
