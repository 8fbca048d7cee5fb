package io.ctrlplane;

import io.ctrlplane.app.Server;
import io.ctrlplane.cli.CliException;
import io.ctrlplane.cli.ControlCommands;
import io.ctrlplane.cli.DeployCommand;
import io.ctrlplane.cli.EventsFeedCommand;
import io.ctrlplane.cli.InstancesCommand;
import io.ctrlplane.cli.ReleasesCommand;
import io.ctrlplane.cli.RestartCommand;
import io.ctrlplane.cli.RollbackCommand;
import io.ctrlplane.command.ConfigFiles;
import io.ctrlplane.command.EnvAware;
import io.ctrlplane.command.OutputAware;
import io.ctrlplane.config.AppConfig;
import io.ctrlplane.config.ConfigException;
import io.ctrlplane.config.Role;
import io.ctrlplane.events.KafkaEventsCommand;
import io.ctrlplane.security.KeysCommand;
import io.ctrlplane.security.SecretsCommand;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ctrlplane serve|dev}: one jar, roles chosen on the command line or by configuration; and
 * the commands users run against the HTTP API (io.ctrlplane.cli).
 */
@Command(
    name = "ctrlplane",
    mixinStandardHelpOptions = true,
    version = "ctrlplane 0.1.0",
    description = "Deployment and release control plane.",
    subcommands = {
      Main.Serve.class,
      KafkaEventsCommand.class,
      KeysCommand.class,
      SecretsCommand.class,
      InstancesCommand.class,
      io.ctrlplane.cli.StrategiesCommand.class,
      DeployCommand.class,
      ReleasesCommand.class,
      RollbackCommand.class,
      RestartCommand.class,
      ControlCommands.Status.class,
      ControlCommands.Watch.class,
      ControlCommands.Cancel.class,
      ControlCommands.Pause.class,
      ControlCommands.Resume.class,
      ControlCommands.Promote.class,
      ControlCommands.Approve.class,
      ControlCommands.Reject.class,
      EventsFeedCommand.class
    })
public final class Main {
  /** Exit code for bad configuration (a setting the operator must change). */
  public static final int EXIT_CONFIG = 2;

  public static void main(String[] args) {
    System.exit(execute(args, System.getenv(), System.err));
  }

  /** Runs a command and returns its exit code; never calls System.exit (tests call this). */
  public static int execute(String[] args, Map<String, String> env, PrintStream err) {
    return execute(args, env, System.out, err);
  }

  /**
   * The same, with the command's regular output (e.g. the lines of {@code events}) going to {@code
   * out}.
   */
  public static int execute(
      String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
    CommandLine cmd = new CommandLine(new Main());
    cmd.addSubcommand("dev", devCommand(env, err));
    wire(cmd, env, out, err);
    cmd.setOut(new java.io.PrintWriter(out, true));
    cmd.setErr(new java.io.PrintWriter(err, true));
    cmd.setExecutionExceptionHandler(
        (e, c, parsed) -> {
          err.println("ctrlplane: " + oneLine(e));
          return e instanceof CliException cli
              ? cli.exitCode()
              : e instanceof ConfigException ? EXIT_CONFIG : 1;
        });
    return cmd.execute(args);
  }

  /** Gives every command, nested ones too (instances create), the environment and the streams. */
  private static void wire(
      CommandLine cmd, Map<String, String> env, PrintStream out, PrintStream err) {
    for (CommandLine sub : cmd.getSubcommands().values()) {
      if (sub.getCommand() instanceof EnvAware aware) {
        aware.init(env, err);
      }
      if (sub.getCommand() instanceof OutputAware aware) {
        aware.output(out);
      }
      wire(sub, env, out, err);
    }
  }

  /**
   * The dev command lives in src/dev/java (jar built with -Pdev); without it, say how to get it.
   */
  private static Object devCommand(Map<String, String> env, PrintStream err) {
    try {
      return Class.forName("io.ctrlplane.dev.DevCommand").getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      return new NoDev();
    }
  }

  @Command(name = "dev", description = "Not in this build: rebuild with `mvn -Pdev package`.")
  static final class NoDev implements Callable<Integer> {
    @Override
    public Integer call() {
      throw new ConfigException(
          "dev mode is not in this jar (it is the lean production build): "
              + "build it with `mvn -Pdev -DskipTests package`");
    }
  }

  @Command(
      name = "serve",
      mixinStandardHelpOptions = true,
      description = "Run the given roles against external PostgreSQL and Kafka.")
  static final class Serve implements Callable<Integer>, EnvAware {
    @Option(
        names = "--roles",
        description =
            "Comma-separated roles: api, runner, relay, webhooks, agent (default from config).")
    String roles;

    @Option(
        names = "--config",
        description = "Config file (default conf/config.json, or CTRLPLANE_CONFIG).")
    String configFile;

    private Map<String, String> env;

    @Override
    public void init(Map<String, String> env, PrintStream err) {
      this.env = env;
    }

    @Override
    public Integer call() throws Exception {
      Map<String, String> effective = new HashMap<>(env);
      if (roles != null) {
        effective.put("CTRLPLANE_ROLES", roles);
      }
      AppConfig config = ConfigFiles.load(configFile, effective);
      return runUntilShutdown(config, () -> {});
    }
  }

  /**
   * Starts the server, then waits for SIGTERM/Ctrl-C; the shutdown hook stops the server, then runs
   * {@code afterStop} (dev mode stops its embedded broker and database there).
   */
  public static int runUntilShutdown(AppConfig config, Runnable afterStop) throws Exception {
    Server server;
    try {
      server =
          Server.start(config).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      afterStop.run();
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.stopBlocking();
                  afterStop.run();
                  stopped.countDown();
                },
                "ctrlplane-shutdown"));
    System.out.println(
        "Ctrl Plane is up: roles "
            + config.roles().stream().map(Role::wire).toList()
            + (config.roles().contains(Role.API)
                ? ", API on http://" + displayHost(config) + ":" + config.http().port()
                : ""));
    stopped.await();
    return 0;
  }

  private static String displayHost(AppConfig config) {
    return "0.0.0.0".equals(config.http().host()) ? "localhost" : config.http().host();
  }

  static String oneLine(Throwable e) {
    String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return msg.lines().findFirst().orElse(msg);
  }
}
