package io.ctrlplane.agent;

import io.ctrlplane.agent.router.Routers;
import io.ctrlplane.provider.process.CommandTemplate;
import io.ctrlplane.security.Keyring;
import io.ctrlplane.security.SecretEnv;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs this agent's replica processes: start with the release's env and a port, probe the health
 * path until it answers 2xx (ready), notice exits, and stop with the drain protocol: out of every
 * router first, in-flight requests finished (bounded), then SIGTERM, then SIGKILL after the grace.
 */
final class Supervisor {
  private static final Logger log = LoggerFactory.getLogger(Supervisor.class);

  private final Vertx vertx;
  private final Pool pool;
  private final String agentId;
  private final Path replicasDir;
  private final long logMaxBytes;
  private final Routers routers;
  private final RouterSync sync;
  private final Keyring keyring;
  private final HealthProbe probes;
  private final ContainerRuntime containers;
  private final Ports ports;
  private final Path lifeline;
  private final Map<String, LocalReplica> replicas = new HashMap<>();

  /**
   * Replicas this agent ran and is done with: a reconcile pass that read the database before that
   * must not restart them.
   */
  private final Set<String> finished = new HashSet<>();

  Supervisor(
      Vertx vertx,
      Pool pool,
      String agentId,
      Path replicasDir,
      long logMaxBytes,
      Routers routers,
      RouterSync sync,
      Keyring keyring,
      ContainerRuntime containers,
      Ports ports,
      Path lifeline) {
    this.ports = ports;
    this.lifeline = lifeline;
    this.keyring = keyring;
    this.containers = containers;
    this.vertx = vertx;
    this.pool = pool;
    this.agentId = agentId;
    this.replicasDir = replicasDir;
    this.logMaxBytes = logMaxBytes;
    this.routers = routers;
    this.sync = sync;
    this.probes =
        new HealthProbe(
            vertx,
            this::becameReady,
            this::becameUnready,
            r -> containers == null ? Future.succeededFuture(false) : containers.healthy(r));
    AgentMetrics.started(this);
  }

  /** A copy of the replicas, for the metrics gauges (read off the event loop). */
  List<LocalReplica> replicaViews() {
    try {
      return List.copyOf(replicas.values());
    } catch (java.util.ConcurrentModificationException e) {
      return List.of(); // changed mid-read: the next scrape reads it again
    }
  }

  LocalReplica get(String id) {
    return replicas.get(id);
  }

  boolean finished(String id) {
    return finished.contains(id);
  }

  Path dirOf(String replicaId) {
    return replicasDir.resolve(replicaId);
  }

  BoundedLog logOf(String replicaId) {
    return new BoundedLog(dirOf(replicaId), logMaxBytes);
  }

  /** The container engine's runtime, or null when this agent has none. */
  ContainerRuntime containers() {
    return containers;
  }

  /** Starts a replica the database assigned to this agent. */
  void start(ReplicaSpec spec) {
    LocalReplica r = new LocalReplica(spec, dirOf(spec.id()), logMaxBytes);
    replicas.put(spec.id(), r);
    if (spec.isContainer()) {
      startContainer(r);
      return;
    }
    vertx
        .executeBlocking(
            () -> {
              r.port = ports.reserve();
              List<String> argv =
                  CommandTemplate.render(spec.config().command(), spec.image(), r.port, spec.id());
              r.log.note("starting " + argv + " on port " + r.port);
              try {
                return Spawner.spawn(r, argv, env(r));
              } catch (IOException e) {
                ports.release(r.port);
                throw e;
              }
            })
        .onSuccess(p -> started(r, p))
        .onFailure(
            e -> {
              String why =
                  e instanceof IOException
                      ? "could not start the command: " + e.getMessage()
                      : e.getMessage();
              note(r, why);
              r.exit.tryComplete(-1);
              failed(r, "replica.failed", AgentSql.FAILED, why);
            });
  }

  /**
   * A container through the engine: a free host port (host networking: the app binds {@code PORT}),
   * then pull as the policy says, create and start; a refusal fails the replica at once with the
   * engine's message.
   */
  private void startContainer(LocalReplica r) {
    if (containers == null) {
      r.exit.tryComplete(-1);
      failed(
          r,
          "replica.failed",
          AgentSql.FAILED,
          "agent " + agentId + " has no container engine (set DOCKER_HOST)");
      return;
    }
    vertx
        .executeBlocking(ports::reserve)
        .compose(
            port -> {
              r.port = port;
              return containers.start(r, env(r));
            })
        .onSuccess(s -> containerStarted(r, s))
        .onFailure(
            e -> {
              log.warn("agent {}: replica {} did not start: {}", agentId, r.id(), e.getMessage());
              r.exit.tryComplete(-1);
              failed(r, "replica.failed", AgentSql.FAILED, e.getMessage());
              if (r.containerId != null) {
                containers.stopAndRemove(r.containerId, 0);
              }
            });
  }

  private void containerStarted(LocalReplica r, ContainerRuntime.Started s) {
    log.info(
        "agent {}: replica {} of instance {} started (container {}, port {})",
        agentId,
        r.id(),
        r.spec.instanceId(),
        s.containerId(),
        r.port);
    watchExit(r);
    write(
            AgentSql.CONTAINER_STARTED,
            r,
            "replica.started",
            new JsonObject()
                .put("port", r.port)
                .put("container_id", s.containerId())
                .put("image_id", s.imageId()),
            r.port,
            s.containerId(),
            s.imageId())
        .onComplete(ar -> probes.watch(r));
  }

  private void watchExit(LocalReplica r) {
    containers
        .engine()
        .await(r.containerId)
        .onComplete(ar -> exited(r, ar.succeeded() ? ar.result() : -1));
  }

  /**
   * Takes back a container an earlier run of this agent started (it was killed, the container kept
   * running): probed again, routed again once ready, stopped by the drain protocol.
   */
  void adopt(ReplicaSpec spec, String containerId, int port) {
    LocalReplica r = new LocalReplica(spec, dirOf(spec.id()), logMaxBytes);
    r.containerId = containerId;
    r.port = port;
    replicas.put(spec.id(), r);
    log.info("agent {}: adopted container {} of replica {}", agentId, containerId, r.id());
    vertx.executeBlocking(() -> ports.hold(port));
    watchExit(r);
    probes.watch(r);
  }

  /**
   * Takes back a process an earlier run of this agent started (it was killed, the process kept
   * serving; its port is already held): watched for its exit, probed again (routed again once it
   * answers), stopped by the drain protocol. Its exit code is not ours to read: an exit reads as
   * -1.
   */
  void adopt(ReplicaSpec spec, ProcessHandle process, int port, boolean wasReady) {
    LocalReplica r = new LocalReplica(spec, dirOf(spec.id()), logMaxBytes);
    r.adopted = process;
    r.port = port;
    r.everReady = wasReady;
    replicas.put(spec.id(), r);
    log.info(
        "agent {}: adopted process {} of replica {} (port {})",
        agentId,
        process.pid(),
        r.id(),
        port);
    note(r, "agent restarted: process " + process.pid() + " on port " + port + " taken back");
    process.onExit().thenAccept(done -> vertx.runOnContext(v -> exited(r, -1)));
    probes.watch(r);
  }

  /** Bounds the output files of the processes (they write them themselves). */
  void rotateLogs() {
    List<LocalReplica> running =
        replicas.values().stream().filter(r -> r.handle() != null && !r.exited()).toList();
    if (running.isEmpty()) {
      return;
    }
    vertx.executeBlocking(
        () -> {
          for (LocalReplica r : running) {
            r.log.rotateIfFull();
          }
          return null;
        });
  }

  /**
   * The release's env with its secrets opened: only here, just before the process starts, never
   * kept or logged.
   */
  private Map<String, String> env(LocalReplica r) {
    Map<String, String> env = new HashMap<>();
    r.spec.env().forEach(e -> env.put(e.getKey(), String.valueOf(e.getValue())));
    Map<String, String> sealed = new HashMap<>();
    r.spec.sealedSecrets().forEach(e -> sealed.put(e.getKey(), String.valueOf(e.getValue())));
    env.putAll(SecretEnv.open(keyring, r.spec.tenantId(), r.spec.instanceId(), sealed));
    env.put("PORT", String.valueOf(r.port));
    env.put("CTRLPLANE_REPLICA_ID", r.id());
    if (r.spec.isContainer()) {
      return env; // the agent's pid means nothing inside a container
    }
    // lets a cooperating app exit once its agent is gone for good (the file not touched for that
    // long), yet survive an agent restart: the restarted agent touches the same file
    env.put("CTRLPLANE_AGENT_LIFELINE", lifeline.toString());
    env.put("CTRLPLANE_AGENT_LIFELINE_MS", String.valueOf(AgentVerticle.LIFELINE_MS));
    return env;
  }

  private void started(LocalReplica r, Process p) {
    r.process = p;
    log.info(
        "agent {}: replica {} of instance {} started (pid {}, port {})",
        agentId,
        r.id(),
        r.spec.instanceId(),
        p.pid(),
        r.port);
    p.onExit().thenAccept(done -> vertx.runOnContext(v -> exited(r, done.exitValue())));
    write(
            AgentSql.STARTED,
            r,
            "replica.started",
            new JsonObject().put("port", r.port).put("pid", p.pid()),
            r.port,
            p.pid())
        .onComplete(ar -> probes.watch(r));
  }

  private void becameReady(LocalReplica r) {
    log.info("agent {}: replica {} is ready", agentId, r.id());
    write(AgentSql.READY, r, "replica.ready", new JsonObject())
        .onSuccess(v -> sync.all(r.spec.instanceId(), 0));
  }

  private void becameUnready(LocalReplica r) {
    log.warn("agent {}: replica {} stopped answering its health path", agentId, r.id());
    write(AgentSql.UNREADY, r, "replica.unready", new JsonObject())
        .onSuccess(v -> sync.all(r.spec.instanceId(), 0));
  }

  /** An exit nobody asked for: before it was ever ready it failed, after that it crashed. */
  private void exited(LocalReplica r, int code) {
    r.exit.tryComplete(code);
    vertx.cancelTimer(r.probeTimer);
    if (r.stopping != null) {
      return;
    }
    boolean wasReady = r.ready;
    r.ready = false;
    (r.containerId != null ? containerTail(r) : vertx.executeBlocking(() -> lastLines(r)))
        .recover(e -> Future.succeededFuture(""))
        .onSuccess(
            tail -> {
              String why =
                  "exited with code " + code + (r.everReady ? "" : " before it was ready") + tail;
              log.warn("agent {}: replica {} {}", agentId, r.id(), why);
              failed(
                      r,
                      r.everReady ? "replica.crashed" : "replica.failed",
                      r.everReady ? AgentSql.CRASHED : AgentSql.FAILED,
                      why)
                  .onSuccess(
                      v -> {
                        if (wasReady) {
                          sync.all(r.spec.instanceId(), 0);
                        }
                      });
            });
  }

  private Future<Void> failed(LocalReplica r, String kind, String sql, String why) {
    forgetPid(r);
    return write(sql, r, kind, new JsonObject().put("reason", why), why)
        // the row now says failed or crashed: reconciling no longer needs the local entry
        .onComplete(
            ar -> {
              finished.add(r.id());
              replicas.remove(r.id(), r);
            });
  }

  private void forgetPid(LocalReplica r) {
    int port = r.port;
    vertx.executeBlocking(
        () -> {
          Spawner.forgetPid(r.dir);
          if (port > 0) {
            ports.release(port);
          }
          return null;
        });
  }

  private void note(LocalReplica r, String line) {
    vertx.executeBlocking(
        () -> {
          r.log.note(line);
          return null;
        });
  }

  private Future<String> containerTail(LocalReplica r) {
    return containers
        .engine()
        .logs(r.containerId, 3)
        .map(
            text -> {
              List<String> lines = text.lines().filter(l -> !l.isBlank()).toList();
              return lines.isEmpty() ? "" : "; last output: " + String.join(" | ", lines);
            });
  }

  private static String lastLines(LocalReplica r) throws IOException {
    List<String> tail =
        r.log.tail(3).stream().filter(l -> !l.startsWith("[ctrlplane-agent]")).toList();
    return tail.isEmpty() ? "" : "; last output: " + String.join(" | ", tail);
  }

  /** The drain protocol; repeated calls share one stop. */
  Future<Void> stop(LocalReplica r) {
    if (r.stopping != null) {
      return r.stopping;
    }
    vertx.cancelTimer(r.probeTimer);
    long drainMs = r.spec.drainTimeoutMs();
    r.stopping =
        write(AgentSql.DRAINING, r, "replica.draining", new JsonObject())
            .compose(v -> sync.all(r.spec.instanceId(), drainMs))
            .compose(v -> terminate(r))
            .compose(
                code ->
                    write(
                        AgentSql.STOPPED,
                        r,
                        "replica.stopped",
                        new JsonObject().put("exit_code", code)))
            .onComplete(
                ar -> {
                  if (ar.failed() && !r.exited()) {
                    // the database did not take the drain: the process keeps serving, the next
                    // reconcile tries again
                    log.warn(
                        "agent {}: stop of replica {} interrupted: {}",
                        agentId,
                        r.id(),
                        ar.cause().toString());
                    r.stopping = null;
                    return;
                  }
                  finished.add(r.id());
                  replicas.remove(r.id(), r);
                  forgetPid(r);
                  log.info(
                      "agent {}: replica {} of instance {} stopped",
                      agentId,
                      r.id(),
                      r.spec.instanceId());
                });
    return r.stopping;
  }

  /** SIGTERM, then SIGKILL if it has not exited after the grace timeout; yields the exit code. */
  private Future<Integer> terminate(LocalReplica r) {
    if (r.containerId != null) {
      // the engine's stop: SIGTERM, SIGKILL after the grace; then the container is removed
      long grace = r.spec.graceTimeoutMs();
      return containers
          .engine()
          .stop(r.containerId, (int) Math.min(600, (grace + 999) / 1000))
          .compose(v -> r.exit.future())
          .compose(code -> containers.engine().remove(r.containerId).map(code));
    }
    ProcessHandle process = r.handle();
    if (process == null || r.exited()) {
      return r.exit.future();
    }
    note(r, "SIGTERM");
    process.destroy();
    long grace = r.spec.graceTimeoutMs();
    long timer =
        vertx.setTimer(
            Math.max(1, grace),
            id -> {
              if (!r.exited()) {
                note(r, "still running after " + grace + " ms: SIGKILL");
                log.warn(
                    "agent {}: replica {} ignored SIGTERM for {} ms: SIGKILL",
                    agentId,
                    r.id(),
                    grace);
                vertx.executeBlocking(
                    () -> {
                      Spawner.kill(process);
                      return null;
                    });
              }
            });
    return r.exit.future().onComplete(ar -> vertx.cancelTimer(timer));
  }

  /** Stops every replica (the agent is shutting down). */
  Future<Void> stopAll() {
    List<Future<Void>> stops = new ArrayList<>();
    new ArrayList<>(replicas.values()).forEach(r -> stops.add(stop(r)));
    return Future.join(stops).mapEmpty();
  }

  int count() {
    return replicas.size();
  }

  Future<Void> close() {
    AgentMetrics.stopped(this);
    return probes.close();
  }

  private Future<Void> write(
      String sql, LocalReplica r, String kind, JsonObject detail, Object... extra) {
    Object[] params = new Object[4 + extra.length];
    params[0] = r.id();
    params[1] = kind;
    params[2] = detail;
    params[3] = agentId;
    System.arraycopy(extra, 0, params, 4, extra.length);
    return pool.preparedQuery(sql)
        .execute(Tuple.from(params))
        .onFailure(
            e ->
                log.warn(
                    "agent {}: could not record {} of replica {}: {}",
                    agentId,
                    kind,
                    r.id(),
                    e.toString()))
        .mapEmpty();
  }
}
