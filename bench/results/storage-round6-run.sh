#!/bin/bash
# bench/results/storage-round6-run.sh <label> <jardir>: 20,000 registrations on H2 (then 300 s idle) and PostgreSQL at once, then Bench storage.
# <jardir> holds gatehouse-server-0.2.0.jar, gatehouse-bench-0.2.0.jar and lib/ (gatehouse-bench/target/lib). Issue 18 Must 4, round 6.
label=$1; jd=$2; cp="$jd/gatehouse-server-0.2.0.jar:$jd/lib/*"
out=${OUT:-/tmp/storage-round6}/$label; mkdir -p $out; rm -rf $out/h2data $out/pgdata; mkdir -p $out/h2data $out/pgdata
db=gatehouse_storage_18$label
drv=$(mktemp -d)/Register.java; cp "$(dirname "$0")/storage-round6-Register.java.txt" "$drv"
psql -h 127.0.0.1 -U postgres -d test -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
export GATEHOUSE_MASTER_KEY=${GATEHOUSE_MASTER_KEY:-$(python3 -c "import base64,os;print(base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip('='))")}
date -u +"start %T" ; cat /proc/loadavg
( GATEHOUSE_DATA_DIR=$out/h2data java -cp "$cp" $drv 20000 300 > $out/h2-register.txt 2>&1 ) &
p1=$!
( GATEHOUSE_DATA_DIR=$out/pgdata GATEHOUSE_DB_URL="jdbc:postgresql://127.0.0.1:5432/$db" GATEHOUSE_DB_USER=postgres java -cp "$cp" $drv 20000 0 > $out/pg-register.txt 2>&1 ) &
p2=$!
wait $p2; date -u +"pg done %T"; cat /proc/loadavg
psql -h 127.0.0.1 -U postgres -d $db -qc "VACUUM ANALYZE"
GATEHOUSE_DB_USER=postgres java -cp "$jd/gatehouse-bench-0.2.0.jar:$cp" org.gatehouse.bench.Bench storage --data-dir $out/pgdata --db-url "jdbc:postgresql://127.0.0.1:5432/$db?user=postgres" > $out/pg-storage.txt 2>&1
wait $p1; date -u +"h2 done %T"; cat /proc/loadavg
java -cp "$jd/gatehouse-bench-0.2.0.jar:$cp" org.gatehouse.bench.Bench storage --data-dir $out/h2data --compact > $out/h2-storage.txt 2>&1
date -u +"end %T"
