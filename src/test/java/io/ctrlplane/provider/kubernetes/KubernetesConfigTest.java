package io.ctrlplane.provider.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ctrlplane.deploy.FieldError;
import io.ctrlplane.deploy.ValidationException;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The kubernetes provider's config is checked field by field before an instance exists")
class KubernetesConfigTest {
  private static final String P = "provider_config";

  private static JsonObject minimal() {
    return new JsonObject()
        .put(
            "pod_template",
            new JsonObject()
                .put("ports", new JsonArray().add(new JsonObject().put("containerPort", 8080))));
  }

  private static List<String> fields(JsonObject cfg) {
    try {
      KubernetesConfig.validate(cfg, P);
      return List.of();
    } catch (ValidationException e) {
      return e.errors().stream().map(FieldError::field).toList();
    }
  }

  @Test
  @DisplayName(
      "one port is enough: namespace default, replicas mode, the instance's name as Service")
  void minimalConfig() {
    KubernetesConfig.validate(minimal(), P);
    KubernetesConfig c = KubernetesConfig.from(minimal());
    assertThat(c.namespace()).isEqualTo("default");
    assertThat(c.gatewayApi()).isFalse();
    assertThat(c.serviceName("web")).isEqualTo("web");
    assertThat(c.podTemplate().firstPort()).isEqualTo(8080);
  }

  @Test
  @DisplayName("a missing config or pod_template names what is required")
  void required() {
    assertThatThrownBy(() -> KubernetesConfig.validate(null, P))
        .isInstanceOf(ValidationException.class);
    assertThat(fields(new JsonObject())).containsExactly("provider_config.pod_template");
    assertThat(fields(new JsonObject().put("pod_template", new JsonObject())))
        .containsExactly("provider_config.pod_template.ports");
  }

  @Test
  @DisplayName("the full PodSpec subset of the issue is accepted")
  void full() {
    JsonObject cfg =
        minimal()
            .put("namespace", "shop")
            .put("service", "web")
            .put("preview_service", "web-preview");
    cfg.put("traffic", new JsonObject().put("mode", "gateway_api").put("http_route", "web"));
    cfg.getJsonObject("pod_template")
        .put(
            "ports",
            new JsonArray()
                .add(
                    new JsonObject()
                        .put("name", "http")
                        .put("containerPort", 8080)
                        .put("protocol", "TCP")))
        .put(
            "resources",
            new JsonObject()
                .put("requests", new JsonObject().put("cpu", "100m").put("memory", "128Mi"))
                .put("limits", new JsonObject().put("memory", "1Gi")))
        .put(
            "readinessProbe",
            new JsonObject()
                .put("httpGet", new JsonObject().put("path", "/health").put("port", "http"))
                .put("periodSeconds", 2))
        .put("livenessProbe", new JsonObject().put("tcpSocket", new JsonObject().put("port", 8080)))
        .put(
            "startupProbe",
            new JsonObject()
                .put("exec", new JsonObject().put("command", new JsonArray().add("true"))))
        .put("serviceAccountName", "web")
        .put("nodeSelector", new JsonObject().put("kubernetes.io/os", "linux"))
        .put(
            "tolerations",
            new JsonArray()
                .add(
                    new JsonObject()
                        .put("key", "dedicated")
                        .put("operator", "Equal")
                        .put("value", "web")
                        .put("effect", "NoSchedule")))
        .put("terminationGracePeriodSeconds", 30);
    assertThat(fields(cfg)).isEmpty();
    KubernetesConfig c = KubernetesConfig.from(cfg);
    assertThat(c.httpRoute()).isEqualTo("web");
    assertThat(c.previewService()).isEqualTo("web-preview");
  }

  @Test
  @DisplayName("each bad field is named, all in one answer")
  void everyProblemNamed() {
    JsonObject cfg =
        minimal().put("namespace", "Shop_1").put("service", "9web").put("colour", "red");
    cfg.put("traffic", new JsonObject().put("mode", "gateway_api"));
    cfg.getJsonObject("pod_template")
        .put(
            "readinessProbe",
            new JsonObject()
                .put("httpGet", new JsonObject().put("port", 0))
                .put("tcpSocket", new JsonObject().put("port", 1)))
        .put("resources", new JsonObject().put("limits", new JsonObject().put("cpu", "fast")))
        .put("tolerations", new JsonArray().add(new JsonObject().put("operator", "Maybe")))
        .put("privileged", true);
    assertThat(fields(cfg))
        .containsExactlyInAnyOrder(
            "provider_config.colour",
            "provider_config.namespace",
            "provider_config.service",
            "provider_config.traffic.http_route",
            "provider_config.pod_template.privileged",
            "provider_config.pod_template.readinessProbe",
            "provider_config.pod_template.readinessProbe.httpGet.port",
            "provider_config.pod_template.resources.limits.cpu",
            "provider_config.pod_template.tolerations[0].operator");
    assertThat(fields(minimal().put("traffic", new JsonObject().put("mode", "mesh"))))
        .containsExactly("provider_config.traffic.mode");
  }

  @Test
  @DisplayName(
      "scaling: run never lowers and cancels a scheduled scale-down below it; stop with a delay only annotates")
  void scaling() {
    KubeObjects.Target t =
        new KubeObjects.Target("inst_1", "web", KubernetesConfig.from(minimal()));
    ReplicaSet rs = KubeObjects.replicaSet(t, new KubeObjects.Rel("rel_1", 1, "web:1"), 4);
    OffsetDateTime now = OffsetDateTime.of(2026, 12, 8, 4, 0, 0, 0, ZoneOffset.UTC);
    assertThat(KubernetesProvider.atLeast(rs, 2)).isFalse();
    assertThat(KubernetesProvider.scaleDown(rs, 0, 30, now)).isTrue();
    assertThat(rs.getSpec().getReplicas()).isEqualTo(4);
    assertThat(rs.getMetadata().getAnnotations())
        .containsAllEntriesOf(
            Map.of(
                KubeObjects.SCALE_DOWN_TO, "0", KubeObjects.SCALE_DOWN_AT, "2026-12-08T04:00:30Z"));
    assertThat(KubernetesProvider.scaleDown(rs, 0, 30, now)).as("already scheduled").isFalse();
    assertThat(KubernetesProvider.atLeast(rs, 4)).isTrue();
    assertThat(rs.getMetadata().getAnnotations()).doesNotContainKey(KubeObjects.SCALE_DOWN_TO);
    assertThat(KubernetesProvider.scaleDown(rs, 1, 0, now)).isTrue();
    assertThat(rs.getSpec().getReplicas()).isEqualTo(1);
    assertThat(KubernetesProvider.atLeast(rs, 3)).isTrue();
    assertThat(rs.getSpec().getReplicas()).isEqualTo(3);
  }
}
