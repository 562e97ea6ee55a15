# Apache Kafka, one KRaft node (broker + controller) on 127.0.0.1:9092 (controller 9093), from Maven Central jars.
# Why this version: docs/infra/kafka.md.
KAFKA_VERSION="${NF_KAFKA_VERSION:-4.4.0}"
KAFKA_PORT=9092
KAFKA_CONTROLLER_PORT=9093
KAFKA_HOME="$NF_CACHE/kafka-$KAFKA_VERSION"
KAFKA_LIBS="$KAFKA_HOME/libs"

# The jars a release tarball ships are the kafka_2.13 runtime closure plus a logging binding the pom lacks.
kafka_pom() {
  local binding
  case "$KAFKA_VERSION" in
    3.*) binding='<dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>1.7.36</version></dependency>' ;;
    *) binding='<dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>2.24.3</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>2.24.3</version></dependency>' ;;
  esac
  cat <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>neuroforge.local</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>$KAFKA_VERSION</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    $binding
  </dependencies>
</project>
POM
}

kafka_provision() {
  # Kafka 4 brokers need Java 17+; bookworm's default JDK is 17.
  command -v java >/dev/null || nf_apt_install openjdk-17-jre-headless
  [ -f "$KAFKA_LIBS/.complete" ] && return 0
  mkdir -p "$KAFKA_HOME"
  (
    flock 9
    [ -f "$KAFKA_LIBS/.complete" ] && exit 0
    command -v mvn >/dev/null || nf_apt_install maven
    nf_log "fetching Kafka $KAFKA_VERSION jars from Maven Central (cached afterwards)"
    kafka_pom >"$KAFKA_HOME/pom.xml"
    rm -rf "$KAFKA_LIBS"
    nf_run_logged "$KAFKA_HOME/mvn.log" mvn -B -Dstyle.color=never -f "$KAFKA_HOME/pom.xml" \
      -Dmaven.repo.local="$NF_CACHE/m2" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$KAFKA_LIBS"
    touch "$KAFKA_LIBS/.complete"
  ) 9>"$KAFKA_HOME/.lock"
}

kafka_health() { timeout 15 "$NF_NODE_BIN" "$NF_ROOT/infra/local/probes/kafka-ready.js" "$KAFKA_PORT"; }

kafka_write_config() {
  local dir="$1"
  cat >"$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
auto.create.topics.enable=true
num.partitions=1
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=24
log.segment.bytes=16777216
PROPS
  cat >"$dir/log4j2.properties" <<'PROPS'
status = warn
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.kafka.name = kafka
logger.kafka.level = WARN
logger.apache.name = org.apache.kafka
logger.apache.level = WARN
logger.server.name = kafka.server.KafkaServer
logger.server.level = INFO
logger.raft.name = kafka.server.KafkaRaftServer
logger.raft.level = INFO
PROPS
  # Kafka 3 logs through reload4j and reads a log4j 1 file.
  cat >"$dir/log4j.properties" <<'PROPS'
log4j.rootLogger=WARN, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaRaftServer=INFO
PROPS
}

kafka_java() {
  java -Xms512m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$NF_STACK/kafka/log4j2.properties" \
    -Dlog4j.configuration="file:$NF_STACK/kafka/log4j.properties" \
    -cp "$KAFKA_LIBS/*" "$@"
}

# Formats the storage once; a data dir from another cluster id or Kafka version is wiped (it holds only test data).
kafka_format() {
  local dir="$1" id_file="$dir/cluster.id" meta="$dir/data/meta.properties"
  local id=''
  [ -f "$id_file" ] && id="$(cat "$id_file")"
  if [ -f "$meta" ] && [ -n "$id" ] && grep -qx "cluster.id=$id" "$meta" &&
    [ "$(cat "$dir/kafka.version" 2>/dev/null)" = "$KAFKA_VERSION" ]; then
    return 0
  fi
  [ -d "$dir/data" ] && nf_log "kafka: data dir does not match cluster id/version; wiping $dir/data"
  rm -rf "$dir/data"
  id="$(kafka_java kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)"
  kafka_java kafka.tools.StorageTool format -t "$id" -c "$dir/server.properties" >>"$NF_STACK_LOGS/kafka.log" 2>&1
  printf '%s' "$id" >"$id_file"
  printf '%s' "$KAFKA_VERSION" >"$dir/kafka.version"
}

kafka_start() {
  local dir="$NF_STACK/kafka"
  mkdir -p "$dir"
  kafka_write_config "$dir"
  kafka_format "$dir" || {
    NF_FAIL_REASON="could not format the KRaft storage"
    nf_fail kafka "$KAFKA_PORT" "delete .stack/kafka and retry; delete $KAFKA_HOME to re-fetch the jars"
  }
  nf_spawn kafka java -Xms512m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$dir/log4j2.properties" -Dlog4j.configuration="file:$dir/log4j.properties" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$dir/server.properties"
  nf_wait_healthy kafka 90 kafka_health ||
    nf_fail kafka "$KAFKA_PORT" "ports $KAFKA_PORT and $KAFKA_CONTROLLER_PORT must be free; if the log names the cluster id or meta.properties, delete .stack/kafka"
}

kafka_stop() { nf_stop_pid kafka 30; }
