package io.ctrlplane.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Configuration, docker-compose.yml and the README agree")
class ConfigurationDocsTest {
  private static final Pattern VARIABLE = Pattern.compile("CTRLPLANE_[A-Z0-9_]+");

  /**
   * Variables read outside the override table (the config file path; the process settings that act
   * before the configuration is read: log format, metrics port, trace export).
   */
  private static final Set<String> READ_ELSEWHERE =
      Set.of(
          "CTRLPLANE_CONFIG",
          "CTRLPLANE_LOG_FORMAT",
          "CTRLPLANE_METRICS_PORT",
          "CTRLPLANE_OTEL_EXPORTER_OTLP_ENDPOINT");

  private static Set<String> known() {
    Set<String> names =
        EnvOverrides.MAPPINGS.stream()
            .map(EnvOverrides.Mapping::env)
            .collect(Collectors.toCollection(TreeSet::new));
    names.addAll(READ_ELSEWHERE);
    return names;
  }

  private static Set<String> variablesIn(String file) throws Exception {
    Matcher m = VARIABLE.matcher(Files.readString(Path.of(file)));
    Set<String> found = new TreeSet<>();
    while (m.find()) {
      found.add(m.group());
    }
    return found;
  }

  @Test
  @DisplayName("every variable docker-compose.yml sets is one the service reads")
  void composeUsesKnownVariables() throws Exception {
    assertThat(variablesIn("docker-compose.yml")).isNotEmpty().isSubsetOf(known());
  }

  @Test
  @DisplayName("every agent variable is also in docs/process-provider.md")
  void agentVariablesDocumented() throws Exception {
    Set<String> agent =
        known().stream()
            .filter(v -> v.startsWith("CTRLPLANE_AGENT_"))
            .collect(Collectors.toCollection(TreeSet::new));
    assertThat(agent).hasSize(13);
    assertThat(variablesIn("docs/process-provider.md")).containsAll(agent);
  }

  @Test
  @DisplayName("every variable the service reads is documented in the README")
  void readmeDocumentsEveryVariable() throws Exception {
    assertThat(variablesIn("README.md")).containsAll(known());
  }

  @Test
  @DisplayName("every overridable key has a default in conf/config.json")
  void everyKeyHasADefault() throws Exception {
    JsonObject defaults = new JsonObject(Files.readString(Path.of("conf/config.json")));
    for (EnvOverrides.Mapping m : EnvOverrides.MAPPINGS) {
      Object node = defaults;
      for (String part : m.key().split("\\.")) {
        node = node instanceof JsonObject o ? o.getValue(part) : null;
      }
      assertThat(node).as("default of %s (%s)", m.key(), m.env()).isNotNull();
    }
  }

  @Test
  @DisplayName("the packaged defaults load into a valid configuration")
  void defaultsAreValid() throws Exception {
    AppConfig config =
        AppConfig.from(new JsonObject(Files.readString(Path.of("conf/config.json"))));
    assertThat(config.http().port()).isEqualTo(8080);
    assertThat(config.kafka().topic()).isEqualTo("ctrlplane.deploy.events");
  }
}
