# Redis 7 (Debian's) on 127.0.0.1:6379, no persistence.
REDIS_PORT=6379

redis_provision() { nf_apt_install redis-server; }

redis_health() { [ "$(timeout 3 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" PING 2>/dev/null)" = PONG ]; }

redis_start() {
  local dir="$NF_STACK/redis"
  mkdir -p "$dir"
  printf '\n==== redis start %s ====\n' "$(date -u +%FT%TZ)" >>"$NF_STACK_LOGS/redis.log"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
    --dir "$dir" --logfile "$NF_STACK_LOGS/redis.log" --pidfile "$(nf_pidfile redis)" >>"$NF_STACK_LOGS/redis.log" 2>&1 8>&- ||
    true
  nf_wait_healthy redis 20 redis_health || nf_fail redis "$REDIS_PORT" "port $REDIS_PORT must be free"
}

redis_stop() {
  if redis_health; then redis-cli -h 127.0.0.1 -p "$REDIS_PORT" SHUTDOWN NOSAVE >/dev/null 2>&1 || true; fi
  nf_stop_pid redis 10
}
