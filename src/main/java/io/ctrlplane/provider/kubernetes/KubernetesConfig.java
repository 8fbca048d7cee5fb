package io.ctrlplane.provider.kubernetes;

import io.ctrlplane.deploy.FieldError;
import io.ctrlplane.deploy.ValidationException;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The kubernetes provider's {@code provider_config}:
 *
 * <pre>
 * {"namespace": "shop", "service": "web", "preview_service": "web-preview",
 *  "traffic": {"mode": "gateway_api", "http_route": "web"},
 *  "pod_template": {"ports": [{"name": "http", "containerPort": 8080}], ...}}
 * </pre>
 *
 * Checked when the instance is created, so a runner never meets a config it cannot turn into
 * objects; {@code pod_template} is a PodSpec subset ({@link PodTemplate}).
 *
 * @param service the stable Service's name; null: the instance's name
 * @param previewService a Service selecting the newest release (blue-green's preview), or null
 * @param httpRoute the HTTPRoute whose backendRefs carry the weights ({@code gateway_api} mode), or
 *     null in {@code replicas} mode
 */
public record KubernetesConfig(
    String namespace,
    String service,
    String previewService,
    String httpRoute,
    PodTemplate podTemplate) {

  public static final String REPLICAS = "replicas";
  public static final String GATEWAY_API = "gateway_api";

  /** DNS-1035 label (Service names): a letter first; 50 leaves room for "-v&lt;version&gt;". */
  static final Pattern SERVICE_NAME = Pattern.compile("[a-z]([a-z0-9-]{0,48}[a-z0-9])?");

  static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
  static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?");

  private static final Set<String> KEYS =
      Set.of("namespace", "service", "preview_service", "traffic", "pod_template");
  private static final Set<String> TRAFFIC_KEYS = Set.of("mode", "http_route");

  public boolean gatewayApi() {
    return httpRoute != null;
  }

  /** The stable Service of an instance named {@code instanceName}. */
  public String serviceName(String instanceName) {
    return service != null ? service : instanceName;
  }

  /** Reads a config that passed {@link #validate}. */
  public static KubernetesConfig from(JsonObject cfg) {
    JsonObject traffic = cfg.getJsonObject("traffic", new JsonObject());
    return new KubernetesConfig(
        cfg.getString("namespace", "default"),
        cfg.getString("service"),
        cfg.getString("preview_service"),
        GATEWAY_API.equals(traffic.getString("mode")) ? traffic.getString("http_route") : null,
        PodTemplate.from(cfg.getJsonObject("pod_template")));
  }

  /**
   * @throws ValidationException with every problem found, fields prefixed with {@code path}
   */
  public static void validate(JsonObject cfg, String path) {
    if (cfg == null) {
      throw new ValidationException(
          path, "is required for the kubernetes provider: at least pod_template.ports");
    }
    List<FieldError> errors = new ArrayList<>();
    unknown(cfg, KEYS, path, "kubernetes setting", errors);
    name(cfg.getValue("namespace"), DNS_LABEL, path + ".namespace", "a DNS label", errors);
    name(
        cfg.getValue("service"),
        SERVICE_NAME,
        path + ".service",
        "a Service name (DNS-1035 label, at most 50 characters)",
        errors);
    name(
        cfg.getValue("preview_service"),
        SERVICE_NAME,
        path + ".preview_service",
        "a Service name (DNS-1035 label, at most 50 characters)",
        errors);
    traffic(cfg.getValue("traffic"), path + ".traffic", errors);
    Object template = cfg.getValue("pod_template");
    if (template == null) {
      errors.add(
          new FieldError(
              path + ".pod_template", "is required: at least ports (the container's ports)"));
    } else if (!(template instanceof JsonObject t)) {
      errors.add(new FieldError(path + ".pod_template", "must be an object (a PodSpec subset)"));
    } else {
      PodTemplate.validate(t, path + ".pod_template", errors);
    }
    if (!errors.isEmpty()) {
      throw new ValidationException(errors);
    }
  }

  private static void traffic(Object value, String path, List<FieldError> errors) {
    if (value == null) {
      return;
    }
    if (!(value instanceof JsonObject t)) {
      errors.add(new FieldError(path, "must be an object: {\"mode\": \"replicas\"}"));
      return;
    }
    unknown(t, TRAFFIC_KEYS, path, "traffic setting", errors);
    Object mode = t.getValue("mode");
    if (REPLICAS.equals(mode)) {
      if (t.containsKey("http_route")) {
        errors.add(new FieldError(path + ".http_route", "only with mode gateway_api"));
      }
    } else if (GATEWAY_API.equals(mode)) {
      if (t.getValue("http_route") == null) {
        errors.add(new FieldError(path + ".http_route", "is required with mode gateway_api"));
      } else {
        name(
            t.getValue("http_route"),
            DNS_SUBDOMAIN,
            path + ".http_route",
            "an HTTPRoute name (DNS subdomain)",
            errors);
      }
    } else {
      errors.add(new FieldError(path + ".mode", "must be \"replicas\" or \"gateway_api\""));
    }
  }

  static void name(
      Object value, Pattern pattern, String path, String what, List<FieldError> errors) {
    if (value == null) {
      return;
    }
    if (!(value instanceof String s) || !pattern.matcher(s).matches()) {
      errors.add(new FieldError(path, "must be " + what));
    }
  }

  static void unknown(
      JsonObject obj, Set<String> known, String path, String what, List<FieldError> errors) {
    obj.fieldNames().stream()
        .filter(k -> !known.contains(k))
        .sorted()
        .forEach(
            k ->
                errors.add(
                    new FieldError(
                        path + "." + k,
                        "unknown "
                            + what
                            + "; known: "
                            + String.join(", ", new TreeSet<>(known)))));
  }
}
