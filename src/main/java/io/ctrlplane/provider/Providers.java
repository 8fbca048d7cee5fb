package io.ctrlplane.provider;

import io.ctrlplane.config.AppConfig;
import io.ctrlplane.deploy.ValidationException;
import io.ctrlplane.provider.container.ContainerConfig;
import io.ctrlplane.provider.kubernetes.KubernetesConfig;
import io.ctrlplane.provider.kubernetes.KubernetesProvider;
import io.ctrlplane.provider.process.AgentClient;
import io.ctrlplane.provider.process.ProcessConfig;
import io.ctrlplane.provider.process.ProcessProvider;
import io.ctrlplane.provider.simulator.SimulatorConfig;
import io.ctrlplane.provider.simulator.SimulatorProvider;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.util.Map;
import java.util.Set;

/** The providers this build knows, chosen per instance by {@code instance.provider}. */
public final class Providers {
  public static final String SIMULATOR = "simulator";
  public static final String PROCESS = ProcessProvider.NAME;
  public static final String CONTAINER = ProcessProvider.CONTAINER;
  public static final String KUBERNETES = KubernetesProvider.NAME;
  public static final Set<String> NAMES = Set.of(SIMULATOR, PROCESS, CONTAINER, KUBERNETES);

  private final Map<String, Provider> byName;
  private final AgentClient agents;
  private final KubernetesProvider kubernetes;

  /**
   * @param agentToken the agents' shared token (agent.token), empty when their API is open
   */
  public Providers(Vertx vertx, Pool pool, String agentToken) {
    this(vertx, pool, agentToken, new AppConfig.Kubernetes(null, null));
  }

  /**
   * @param kubernetes the cluster of the kubernetes provider (connected on first use)
   */
  public Providers(Vertx vertx, Pool pool, String agentToken, AppConfig.Kubernetes kubernetes) {
    this.agents = new AgentClient(vertx, agentToken);
    this.kubernetes = new KubernetesProvider(vertx, pool, kubernetes);
    this.kubernetes.warmUp();
    this.byName =
        Map.of(
            SIMULATOR,
            new MeteredProvider(SIMULATOR, new SimulatorProvider(pool)),
            PROCESS,
            new MeteredProvider(PROCESS, new ProcessProvider(pool, agents)),
            CONTAINER,
            new MeteredProvider(CONTAINER, new ProcessProvider(pool, agents, CONTAINER)),
            KUBERNETES,
            new MeteredProvider(KUBERNETES, this.kubernetes));
  }

  /**
   * @throws IllegalArgumentException for a provider this build does not have
   */
  public Provider forName(String name) {
    Provider p = byName.get(name);
    if (p == null) {
      throw new IllegalArgumentException(
          "provider '" + name + "' is not available in this build; known: " + NAMES);
    }
    return p;
  }

  /**
   * The client the process provider calls agents with (the API also reads replica logs through it).
   */
  public AgentClient agents() {
    return agents;
  }

  /** The kubernetes provider (the API reads pod logs through it). */
  public KubernetesProvider kubernetes() {
    return kubernetes;
  }

  /**
   * Checks an instance's {@code provider_config} for its provider; the API calls it before an
   * instance is created, so a runner never meets a config it cannot read.
   *
   * @throws ValidationException listing every problem, at paths such as {@code
   *     provider_config.faults[0].image}
   */
  public static void validateConfig(String provider, JsonObject config) {
    if (SIMULATOR.equals(provider) && config != null) {
      SimulatorConfig.validate(config, "provider_config");
    }
    if (PROCESS.equals(provider)) {
      ProcessConfig.validate(config, "provider_config");
    }
    if (CONTAINER.equals(provider)) {
      ContainerConfig.validate(config, "provider_config");
    }
    if (KUBERNETES.equals(provider)) {
      KubernetesConfig.validate(config, "provider_config");
    }
  }
}
