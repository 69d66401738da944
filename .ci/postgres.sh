# Start a private PostgreSQL cluster on 127.0.0.1 for the tests; sets WORKBOOK_TEST_PG_URL.
PG_PORT=${PG_PORT:-55432}
PG_DIR=${PG_DIR:-/tmp/workbook-ci-pg}

start_postgres() {
  local bindir
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  rm -rf "$PG_DIR"
  mkdir -p "$PG_DIR"
  local runas=()
  if [ "$(id -u)" = 0 ]; then
    chown postgres "$PG_DIR" 2>/dev/null || { useradd -r postgres || true; chown postgres "$PG_DIR"; }
    runas=(runuser -u postgres --)
  fi
  "${runas[@]}" "$bindir/initdb" -D "$PG_DIR/data" -U workbook --auth=trust >/dev/null
  "${runas[@]}" "$bindir/pg_ctl" -D "$PG_DIR/data" -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1" \
    -l "$PG_DIR/log" -w start >/dev/null
  "${runas[@]}" "$bindir/createdb" -h 127.0.0.1 -p "$PG_PORT" -U workbook workbook_test
  export WORKBOOK_TEST_PG_URL="postgresql+psycopg://workbook@127.0.0.1:$PG_PORT/workbook_test"
  export PG_BINDIR="$bindir" PG_DATA="$PG_DIR/data" PG_RUNAS="${runas[*]}"
  echo "ci: postgres on 127.0.0.1:$PG_PORT"
}

stop_postgres() {
  [ -n "${PG_BINDIR:-}" ] && ${PG_RUNAS:-} "$PG_BINDIR/pg_ctl" -D "$PG_DATA" -m fast stop >/dev/null 2>&1 || true
}
