package io.ctrlplane.dev;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * A real single-node Kafka broker (KRaft, combined broker + controller) running inside this JVM,
 * for {@code ctrlplane dev} and the test harness. No ZooKeeper, no tarball, no Docker.
 *
 * <p>All state lives in {@code dataDir}: starting again on the same directory keeps topics, records
 * and committed offsets.
 */
public final class EmbeddedKafka implements AutoCloseable {

  private static final String HOST = "127.0.0.1";
  private static final int NODE_ID = 1;
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  /**
   * Never created: used only in a validate-only request to prove the controller can place a
   * replica.
   */
  private static final String READINESS_PROBE_TOPIC = "ctrlplane-readiness-probe";

  /** Data directories (real paths) owned by a running instance in this JVM. */
  private static final Set<Path> DIRS_IN_USE = ConcurrentHashMap.newKeySet();

  private final Path dataDir;
  private final FileChannel dataDirLock;
  private final int port;
  private KafkaRaftServer server;
  private boolean closed;

  private EmbeddedKafka(Path dataDir, FileChannel dataDirLock, int port) {
    this.dataDir = dataDir;
    this.dataDirLock = dataDirLock;
    this.port = port;
  }

  /**
   * Formats {@code dataDir} if it is new (a previous format is kept), starts the broker and returns
   * once it accepts topic creation.
   *
   * @param port the client port, or 0 for a free ephemeral one
   */
  public static EmbeddedKafka start(Path dataDir, int port) throws Exception {
    Path dir = Files.createDirectories(dataDir).toRealPath();
    int brokerPort = port == 0 ? freePort() : port;
    int controllerPort = freePort();
    while (controllerPort == brokerPort) {
      controllerPort = freePort();
    }

    EmbeddedKafka kafka = new EmbeddedKafka(dir, lockDataDir(dir), brokerPort);
    try {
      Properties config = brokerConfig(dir, brokerPort, controllerPort);
      format(dir, config);
      // doLog=false: StorageTool and the broker already print this config (hundreds of lines each)
      kafka.server = new KafkaRaftServer(KafkaConfig.fromProps(config, false), Time.SYSTEM);
      kafka.server.startup();
      kafka.awaitReady(Instant.now().plus(READY_TIMEOUT));
      return kafka;
    } catch (Exception | Error e) {
      kafka.close();
      throw e;
    }
  }

  public String bootstrapServers() {
    return HOST + ":" + port;
  }

  public int port() {
    return port;
  }

  /**
   * Stops the broker and waits for it. Idempotent; synchronized so a shutdown hook waits for a
   * close in progress.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (server != null) {
        server.shutdown();
        server.awaitShutdown();
      }
    } finally {
      try {
        dataDirLock.close(); // releases the file lock
      } catch (IOException e) {
        // nothing else to do: the OS drops the lock when the JVM exits anyway
      }
      DIRS_IN_USE.remove(dataDir);
    }
  }

  /**
   * Kafka's own log-dir lock is taken by the broker half, after the controller half has already
   * started writing the metadata log: a second start on a directory in use would disrupt the
   * running broker. So refuse it up front. Within this JVM a set of paths decides, because opening
   * and closing a second channel on the lock file would release the owner's OS lock (POSIX locks
   * belong to the process); across processes the file lock does.
   */
  private static FileChannel lockDataDir(Path dir) throws IOException {
    if (!DIRS_IN_USE.add(dir)) {
      throw new IllegalStateException(dir + " is in use by another EmbeddedKafka in this JVM");
    }
    FileChannel channel = null;
    try {
      channel =
          FileChannel.open(
              dir.resolve("embedded-kafka.lock"),
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE);
      if (channel.tryLock() != null) {
        return channel;
      }
      throw new IllegalStateException(dir + " is in use by an EmbeddedKafka in another process");
    } catch (IOException | RuntimeException e) {
      if (channel != null) {
        channel.close(); // safe: no other channel of this JVM is open on this lock file
      }
      DIRS_IN_USE.remove(dir);
      throw e;
    }
  }

  private static Properties brokerConfig(Path dir, int brokerPort, int controllerPort) {
    Properties p = new Properties();
    p.put("process.roles", "broker,controller");
    p.put("node.id", String.valueOf(NODE_ID));
    // A static quorum (not --standalone): the controller endpoint is not stored in the metadata
    // log,
    // so a restart may pick a different controller port.
    p.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
    p.put("controller.listener.names", "CONTROLLER");
    p.put(
        "listeners",
        "PLAINTEXT://" + HOST + ":" + brokerPort + ",CONTROLLER://" + HOST + ":" + controllerPort);
    p.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + brokerPort);
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("log.dirs", dir.resolve("logs").toString());

    // One node: every replication factor and min ISR must be 1 or internal topics can never be
    // created.
    p.put("default.replication.factor", "1");
    p.put("min.insync.replicas", "1");
    p.put("offsets.topic.replication.factor", "1");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("share.coordinator.state.topic.replication.factor", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    // The defaults (50 partitions) only slow down the first group join on a single dev node.
    p.put("offsets.topic.num.partitions", "1");
    p.put("transaction.state.log.num.partitions", "1");

    p.put("num.partitions", "1");
    p.put(
        "auto.create.topics.enable",
        "false"); // the app creates its topics; typos must fail, not create
    p.put(
        "group.initial.rebalance.delay.ms",
        "0"); // consumers in tests should not wait 3 s for a rebalance
    p.put(
        "log.segment.bytes",
        String.valueOf(8 * 1024 * 1024)); // 1 GiB default is pointless for dev data
    return p;
  }

  /**
   * Formats the log directories like {@code kafka-storage.sh format --ignore-formatted}: a
   * directory formatted by an earlier start is left as it is. The cluster id is kept in {@code
   * dataDir/cluster.id} so a directory that was only partly formatted is completed with the same
   * id.
   */
  private static void format(Path dir, Properties config) throws IOException {
    Path clusterIdFile = dir.resolve("cluster.id");
    String clusterId;
    if (Files.exists(clusterIdFile)) {
      clusterId = Files.readString(clusterIdFile).trim();
    } else {
      clusterId = Uuid.randomUuid().toString();
      Files.writeString(clusterIdFile, clusterId);
    }
    // StorageTool only reads its config from a file; the copy also documents how the broker was
    // started.
    Path configFile = dir.resolve("server.properties");
    try (OutputStream out = Files.newOutputStream(configFile)) {
      config.store(out, "written by EmbeddedKafka on every start");
    }

    // execute(), not main(): main() calls System.exit. Failures surface as exceptions or a non-zero
    // code.
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    int code;
    try (PrintStream print = new PrintStream(output, true, StandardCharsets.UTF_8)) {
      code =
          StorageTool.execute(
              new String[] {
                "format",
                "--config",
                configFile.toString(),
                "--cluster-id",
                clusterId,
                "--ignore-formatted"
              },
              print);
    }
    if (code != 0) {
      throw new IllegalStateException(
          "kafka storage format of "
              + dir
              + " failed (exit code "
              + code
              + "): "
              + output.toString(StandardCharsets.UTF_8));
    }
  }

  /**
   * {@code startup()} does not promise a broker that serves clients (in 4.2.1 it already waits
   * until the broker is unfenced, so the first probe normally passes; older versions returned
   * earlier). Ready means: the broker answers describeCluster, and the controller sees an unfenced
   * broker to place a new topic on (checked with a validate-only create, which creates nothing).
   */
  private void awaitReady(Instant deadline) throws Exception {
    Map<String, Object> adminConfig =
        Map.of(
            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000);
    try (Admin admin = Admin.create(adminConfig)) {
      Exception last = null;
      while (Instant.now().isBefore(deadline)) {
        try {
          admin.describeCluster().nodes().get();
          admin
              .createTopics(
                  List.of(new NewTopic(READINESS_PROBE_TOPIC, 1, (short) 1)),
                  new CreateTopicsOptions().validateOnly(true))
              .all()
              .get();
          return;
        } catch (ExecutionException e) {
          last = e;
          Thread.sleep(100); // back-off between probes; the deadline bounds the wait
        }
      }
      throw new IllegalStateException(
          "Kafka broker at " + bootstrapServers() + " not ready within " + READY_TIMEOUT, last);
    }
  }

  /** A port free right now on the loopback interface (released again before Kafka binds it). */
  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
      return socket.getLocalPort();
    }
  }
}
