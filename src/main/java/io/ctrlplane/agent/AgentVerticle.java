package io.ctrlplane.agent;

import io.ctrlplane.agent.engine.DockerEngine;
import io.ctrlplane.agent.router.Routers;
import io.ctrlplane.config.AppConfig;
import io.ctrlplane.config.ConfigException;
import io.ctrlplane.db.PgPools;
import io.ctrlplane.provider.container.ContainerConfig;
import io.ctrlplane.provider.process.AgentClient;
import io.ctrlplane.security.Keyring;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.net.BindException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent role: this host's replica processes and routers. It registers itself with a heartbeat,
 * reconciles its processes with the database, keeps its routers' tables fresh, and answers the
 * agent API. A graceful stop drains and stops its replicas; a killed agent leaves the heartbeat to
 * go stale, which is how the rest of the system learns the host is gone.
 */
public class AgentVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(AgentVerticle.class);
  private static final long RECONCILE_MS = 500;
  private static final long ROUTES_REFRESH_MS = 1_000;
  private static final long COUNTS_FLUSH_MS = 1_000;
  private static final long COUNTS_PRUNE_MS = 60_000;
  private static final long LOG_ROTATE_MS = 1_000;

  /**
   * How long a cooperating app outlives its agent: the agent touches its lifeline file every
   * second; an app whose lifeline has not been touched for this long exits (the agent is gone for
   * good). A restarted agent touches the same file, so its apps keep running and are taken back.
   */
  static final long LIFELINE_MS = 15_000;

  private final AppConfig.Agent config;
  private final AppConfig.Postgres postgres;
  private final AppConfig.Security security;
  private Pool pool;
  private AgentClient client;
  private Routers routers;
  private Supervisor supervisor;
  private Reconciler reconciler;
  private HttpServer api;
  private DockerEngine engine;

  public AgentVerticle(AppConfig config) {
    this.config = config.agent();
    this.postgres = config.postgres();
    this.security = config.security();
  }

  @Override
  public Future<?> start() {
    if (config.token().isEmpty() && !(loopback(config.host()) && loopback(config.routerHost()))) {
      return Future.failedFuture(
          new ConfigException(
              "agent API ("
                  + config.host()
                  + ") or routers ("
                  + config.routerHost()
                  + ") would listen beyond loopback without a token: set agent.token"
                  + " (CTRLPLANE_AGENT_TOKEN), or bind CTRLPLANE_AGENT_HOST and"
                  + " CTRLPLANE_AGENT_ROUTER_HOST to 127.0.0.1"));
    }
    try {
      ContainerConfig.parseUlimits(config.containerUlimits());
      engine = new DockerEngine(vertx, config.dockerHost());
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(
          new ConfigException(
              e.getMessage()
                  + ": check CTRLPLANE_AGENT_CONTAINER_ULIMITS and CTRLPLANE_AGENT_DOCKER_HOST"));
    }
    return engine
        .version()
        .map(
            v -> {
              log.info("agent {}: container engine {} at {}", config.id(), v, engine.address());
              return v;
            })
        .recover(
            e -> {
              log.info(
                  "agent {}: no container engine ({}): this agent runs processes only",
                  config.id(),
                  e.getMessage());
              return Future.succeededFuture(null);
            })
        .compose(this::startWith);
  }

  static boolean loopback(String host) {
    return host.equals("localhost")
        || host.startsWith("127.")
        || host.equals("::1")
        || host.equals("[::1]");
  }

  private Future<?> startWith(String engineVersion) {
    ContainerRuntime containers =
        engineVersion == null
            ? null
            : new ContainerRuntime(
                engine, config.id(), ContainerConfig.parseUlimits(config.containerUlimits()));
    pool = PgPools.create(vertx, postgres, "ctrlplane-agent");
    client = new AgentClient(vertx, config.token());
    routers = new Routers(vertx, pool, config.id(), config.routerHost());
    RouterSync sync = new RouterSync(pool, routers, client);
    Path replicasDir = Path.of(config.dataDir()).toAbsolutePath().resolve("replicas");
    Path lifeline = Path.of(config.dataDir()).toAbsolutePath().resolve("lifeline");
    Ports ports = Ports.hostWide(config.portRangeFrom(), config.portRangeTo());
    // secret_env is opened here, on the host that runs the replicas (null: no key, secrets refused
    // per replica)
    Keyring keyring = Keyring.fromConfig(security.encryptionKey());
    supervisor =
        new Supervisor(
            vertx,
            pool,
            config.id(),
            replicasDir,
            config.logMaxBytes(),
            routers,
            sync,
            keyring,
            containers,
            ports,
            lifeline);
    reconciler = new Reconciler(pool, config.id(), supervisor);
    List<Spawner.Leftover> leftovers = new ArrayList<>();
    return vertx
        .executeBlocking(
            () -> {
              touch(lifeline); // first, so the apps of an earlier run do not give up on us
              leftovers.addAll(Spawner.leftovers(replicasDir));
              return leftovers.size();
            })
        .onSuccess(
            n -> {
              vertx.setPeriodic(
                  LIFELINE_MS / 15,
                  id ->
                      vertx.executeBlocking(
                          () -> {
                            touch(lifeline);
                            return null;
                          },
                          false));
              if (n > 0) {
                log.info(
                    "agent {}: {} replica process(es) of an earlier run still running",
                    config.id(),
                    n);
              }
            })
        .compose(
            n ->
                vertx
                    .createHttpServer(
                        new HttpServerOptions().setHost(config.host()).setPort(config.port()))
                    .requestHandler(
                        new AgentApi(
                                vertx, config.id(), config.token(), reconciler, routers, supervisor)
                            .router())
                    .listen()
                    .recover(
                        e ->
                            Future.failedFuture(
                                e instanceof BindException || e.getCause() instanceof BindException
                                    ? new ConfigException(
                                        "agent API port "
                                            + config.port()
                                            + " on "
                                            + config.host()
                                            + " is already in use: set CTRLPLANE_AGENT_PORT")
                                    : e)))
        .compose(
            server -> {
              api = server;
              String url = "http://" + config.advertiseHost() + ":" + server.actualPort();
              sync.ownUrl(url);
              return pool.preparedQuery(AgentSql.REGISTER)
                  .execute(
                      Tuple.of(
                          config.id(),
                          url,
                          config.advertiseHost(),
                          config.deadAfterMs(),
                          engineVersion == null ? null : engineVersion + " at " + engine.address()))
                  .map(url);
            })
        .compose(url -> routers.reload(null).map(url))
        .compose(url -> Adoption.run(pool, config.id(), supervisor).map(url))
        .compose(
            url ->
                Adoption.processes(
                        vertx, pool, config.id(), supervisor, ports, replicasDir, leftovers)
                    .map(url))
        .onSuccess(
            url -> {
              vertx.setPeriodic(config.heartbeatMs(), id -> heartbeat());
              vertx.setPeriodic(RECONCILE_MS, id -> reconciler.kick());
              vertx.setPeriodic(
                  ROUTES_REFRESH_MS,
                  id ->
                      routers
                          .reload(null)
                          .onFailure(
                              e ->
                                  log.warn(
                                      "agent {}: routes not refreshed: {}",
                                      config.id(),
                                      e.toString())));
              vertx.setPeriodic(
                  COUNTS_FLUSH_MS,
                  id ->
                      routers
                          .flushCounts()
                          .onFailure(
                              e ->
                                  log.debug(
                                      "agent {}: traffic counts not written: {}",
                                      config.id(),
                                      e.toString())));
              vertx.setPeriodic(
                  COUNTS_PRUNE_MS,
                  id ->
                      routers
                          .pruneCounts()
                          .onFailure(
                              e ->
                                  log.debug(
                                      "agent {}: old traffic counts not pruned: {}",
                                      config.id(),
                                      e.toString())));
              vertx.setPeriodic(LOG_ROTATE_MS, id -> supervisor.rotateLogs());
              reconciler.kick();
              log.info(
                  "agent {} up: API {}, routers on {}, replicas reachable at {}",
                  config.id(),
                  url,
                  config.routerHost(),
                  config.advertiseHost());
            });
  }

  private static void touch(Path lifeline) throws java.io.IOException {
    java.nio.file.Files.createDirectories(lifeline.getParent());
    if (!java.nio.file.Files.exists(lifeline)) {
      java.nio.file.Files.writeString(lifeline, "");
    }
    java.nio.file.Files.setLastModifiedTime(
        lifeline, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis()));
  }

  private void heartbeat() {
    pool.preparedQuery(AgentSql.HEARTBEAT)
        .execute(Tuple.of(config.id()))
        .onFailure(e -> log.warn("agent {}: heartbeat not written: {}", config.id(), e.toString()));
  }

  /** Drains and stops this host's replicas, then says so in the database. */
  @Override
  public Future<?> stop() {
    if (supervisor == null) { // refused to start
      return engine == null ? Future.succeededFuture() : engine.close();
    }
    log.info("agent {} stopping: draining {} replica(s)", config.id(), supervisor.count());
    return supervisor
        .stopAll()
        .eventually(() -> pool.preparedQuery(AgentSql.DEREGISTER).execute(Tuple.of(config.id())))
        .eventually(() -> api == null ? Future.succeededFuture() : api.close())
        .eventually(routers::close)
        .eventually(supervisor::close)
        .eventually(client::close)
        .eventually(() -> engine == null ? Future.succeededFuture() : engine.close())
        .eventually(() -> pool.close());
  }
}
