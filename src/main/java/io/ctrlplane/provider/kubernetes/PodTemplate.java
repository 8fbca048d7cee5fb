package io.ctrlplane.provider.kubernetes;

import io.ctrlplane.deploy.FieldError;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The part of a Kubernetes PodSpec an instance may set, spelled as Kubernetes spells it: the app
 * container's {@code ports}, {@code resources}, {@code readinessProbe}, {@code livenessProbe} and
 * {@code startupProbe}; the pod's {@code serviceAccountName}, {@code nodeSelector}, {@code
 * tolerations} and {@code terminationGracePeriodSeconds}. The image, the environment and the labels
 * are Ctrl Plane's (one release each), so they are not here. Kept as the validated JSON; {@link
 * KubeObjects} turns it into the pod spec.
 */
public record PodTemplate(JsonObject json) {
  static final Set<String> KEYS =
      Set.of(
          "ports",
          "resources",
          "readinessProbe",
          "livenessProbe",
          "startupProbe",
          "serviceAccountName",
          "nodeSelector",
          "tolerations",
          "terminationGracePeriodSeconds");
  private static final Set<String> PORT_KEYS = Set.of("name", "containerPort", "protocol");
  private static final Set<String> PROTOCOLS = Set.of("TCP", "UDP", "SCTP");
  private static final Set<String> RESOURCE_KEYS = Set.of("requests", "limits");
  private static final Set<String> PROBE_KEYS =
      Set.of(
          "httpGet",
          "tcpSocket",
          "exec",
          "grpc",
          "initialDelaySeconds",
          "periodSeconds",
          "timeoutSeconds",
          "successThreshold",
          "failureThreshold");
  private static final List<String> HANDLERS = List.of("httpGet", "tcpSocket", "exec", "grpc");
  private static final Set<String> TOLERATION_KEYS =
      Set.of("key", "operator", "value", "effect", "tolerationSeconds");

  /** A Kubernetes quantity: 100m, 0.5, 128Mi, 1G, 1e3. */
  static final Pattern QUANTITY =
      Pattern.compile("[+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+|[numkMGTPE]|[KMGTPE]i)?");

  static final Pattern PORT_NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?");
  static final Pattern LABEL_KEY =
      Pattern.compile(
          "([a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?");
  static final Pattern LABEL_VALUE =
      Pattern.compile("([A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?)?");

  public PodTemplate {
    json = json == null ? new JsonObject() : json.copy();
  }

  static PodTemplate from(JsonObject json) {
    return new PodTemplate(json);
  }

  /** The first port: the one the Services target. */
  public int firstPort() {
    return json.getJsonArray("ports").getJsonObject(0).getInteger("containerPort");
  }

  static void validate(JsonObject t, String path, List<FieldError> errors) {
    KubernetesConfig.unknown(t, KEYS, path, "pod_template field", errors);
    Set<String> portNames = ports(t.getValue("ports"), path + ".ports", errors);
    Object resources = t.getValue("resources");
    if (resources != null) {
      resources(resources, path + ".resources", errors);
    }
    for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
      if (t.getValue(probe) != null) {
        probe(t.getValue(probe), path + "." + probe, portNames, errors);
      }
    }
    KubernetesConfig.name(
        t.getValue("serviceAccountName"),
        KubernetesConfig.DNS_SUBDOMAIN,
        path + ".serviceAccountName",
        "a ServiceAccount name (DNS subdomain)",
        errors);
    Object selector = t.getValue("nodeSelector");
    if (selector != null) {
      nodeSelector(selector, path + ".nodeSelector", errors);
    }
    Object tolerations = t.getValue("tolerations");
    if (tolerations != null) {
      tolerations(tolerations, path + ".tolerations", errors);
    }
    Object grace = t.getValue("terminationGracePeriodSeconds");
    if (grace != null && !wholeIn(grace, 0, 86_400)) {
      errors.add(
          new FieldError(
              path + ".terminationGracePeriodSeconds", "must be a whole number 0..86400"));
    }
  }

  private static Set<String> ports(Object value, String path, List<FieldError> errors) {
    Set<String> names = new HashSet<>();
    if (!(value instanceof JsonArray a) || a.isEmpty()) {
      errors.add(
          new FieldError(
              path,
              "is required: at least one {\"containerPort\": 8080}; the first is the one the"
                  + " Services send traffic to"));
      return names;
    }
    Set<Integer> numbers = new HashSet<>();
    for (int i = 0; i < a.size(); i++) {
      String at = path + "[" + i + "]";
      if (!(a.getValue(i) instanceof JsonObject p)) {
        errors.add(new FieldError(at, "must be an object: {\"containerPort\": 8080}"));
        continue;
      }
      KubernetesConfig.unknown(p, PORT_KEYS, at, "port field", errors);
      if (!wholeIn(p.getValue("containerPort"), 1, 65535)) {
        errors.add(new FieldError(at + ".containerPort", "is required: a port 1..65535"));
      } else if (!numbers.add(p.getInteger("containerPort"))) {
        errors.add(new FieldError(at + ".containerPort", "is listed twice"));
      }
      Object name = p.getValue("name");
      if (name != null) {
        if (!(name instanceof String n)
            || !PORT_NAME.matcher(n).matches()
            || !n.matches(".*[a-z].*")) {
          errors.add(
              new FieldError(
                  at + ".name",
                  "must be an IANA service name: 1-15 lowercase letters, digits, '-'"));
        } else if (!names.add(n)) {
          errors.add(new FieldError(at + ".name", "is listed twice"));
        }
      }
      Object protocol = p.getValue("protocol");
      if (protocol != null && !PROTOCOLS.contains(protocol)) {
        errors.add(new FieldError(at + ".protocol", "must be TCP, UDP or SCTP"));
      }
    }
    return names;
  }

  private static void resources(Object value, String path, List<FieldError> errors) {
    if (!(value instanceof JsonObject r)) {
      errors.add(
          new FieldError(path, "must be an object: {\"requests\": {...}, \"limits\": {...}}"));
      return;
    }
    KubernetesConfig.unknown(r, RESOURCE_KEYS, path, "resources field", errors);
    for (String kind : RESOURCE_KEYS) {
      Object amounts = r.getValue(kind);
      if (amounts == null) {
        continue;
      }
      if (!(amounts instanceof JsonObject m)) {
        errors.add(new FieldError(path + "." + kind, "must be an object: {\"cpu\": \"100m\"}"));
        continue;
      }
      m.forEach(
          e -> {
            String at = path + "." + kind + "." + e.getKey();
            if (!LABEL_KEY.matcher(e.getKey()).matches()) {
              errors.add(new FieldError(at, "is not a resource name"));
            } else if (!(e.getValue() instanceof String || e.getValue() instanceof Number)
                || !QUANTITY.matcher(String.valueOf(e.getValue())).matches()) {
              errors.add(
                  new FieldError(at, "must be a Kubernetes quantity, e.g. \"100m\" or \"128Mi\""));
            }
          });
    }
  }

  private static void probe(Object value, String path, Set<String> ports, List<FieldError> errors) {
    if (!(value instanceof JsonObject p)) {
      errors.add(
          new FieldError(
              path, "must be an object: {\"httpGet\": {\"path\": \"/health\", \"port\": 8080}}"));
      return;
    }
    KubernetesConfig.unknown(p, PROBE_KEYS, path, "probe field", errors);
    List<String> handlers = HANDLERS.stream().filter(p::containsKey).toList();
    if (handlers.size() != 1) {
      errors.add(new FieldError(path, "must have exactly one of httpGet, tcpSocket, exec, grpc"));
    }
    for (String handler : handlers) {
      String at = path + "." + handler;
      if (!(p.getValue(handler) instanceof JsonObject h)) {
        errors.add(new FieldError(at, "must be an object"));
        continue;
      }
      if ("exec".equals(handler)) {
        KubernetesConfig.unknown(h, Set.of("command"), at, "exec field", errors);
        if (!(h.getValue("command") instanceof JsonArray c)
            || c.isEmpty()
            || !c.stream().allMatch(String.class::isInstance)) {
          errors.add(new FieldError(at + ".command", "must be a non-empty array of strings"));
        }
        continue;
      }
      Set<String> keys =
          "httpGet".equals(handler)
              ? Set.of("path", "port", "scheme")
              : "grpc".equals(handler) ? Set.of("port", "service") : Set.of("port");
      KubernetesConfig.unknown(h, keys, at, handler + " field", errors);
      Object port = h.getValue("port");
      boolean named = port instanceof String s && ports.contains(s) && !"grpc".equals(handler);
      if (!named && !wholeIn(port, 1, 65535)) {
        errors.add(
            new FieldError(at + ".port", "must be a port 1..65535 or the name of one of ports"));
      }
      Object httpPath = h.getValue("path");
      if (httpPath != null && !(httpPath instanceof String s && s.startsWith("/"))) {
        errors.add(new FieldError(at + ".path", "must be a path starting with '/'"));
      }
      Object scheme = h.getValue("scheme");
      if (scheme != null && !"HTTP".equals(scheme) && !"HTTPS".equals(scheme)) {
        errors.add(new FieldError(at + ".scheme", "must be HTTP or HTTPS"));
      }
    }
    for (String key :
        List.of(
            "initialDelaySeconds",
            "periodSeconds",
            "timeoutSeconds",
            "successThreshold",
            "failureThreshold")) {
      Object v = p.getValue(key);
      int min = key.equals("initialDelaySeconds") ? 0 : 1;
      if (v != null && !wholeIn(v, min, 3600)) {
        errors.add(new FieldError(path + "." + key, "must be a whole number " + min + "..3600"));
      }
    }
  }

  private static void nodeSelector(Object value, String path, List<FieldError> errors) {
    if (!(value instanceof JsonObject m)) {
      errors.add(new FieldError(path, "must be an object of label keys to values"));
      return;
    }
    m.forEach(
        e -> {
          if (!LABEL_KEY.matcher(e.getKey()).matches()) {
            errors.add(new FieldError(path + "." + e.getKey(), "is not a label key"));
          } else if (!(e.getValue() instanceof String v) || !LABEL_VALUE.matcher(v).matches()) {
            errors.add(new FieldError(path + "." + e.getKey(), "must be a label value"));
          }
        });
  }

  private static void tolerations(Object value, String path, List<FieldError> errors) {
    if (!(value instanceof JsonArray a)) {
      errors.add(new FieldError(path, "must be an array of tolerations"));
      return;
    }
    for (int i = 0; i < a.size(); i++) {
      String at = path + "[" + i + "]";
      if (!(a.getValue(i) instanceof JsonObject t)) {
        errors.add(new FieldError(at, "must be an object"));
        continue;
      }
      KubernetesConfig.unknown(t, TOLERATION_KEYS, at, "toleration field", errors);
      Object operator = t.getValue("operator");
      if (operator != null && !"Equal".equals(operator) && !"Exists".equals(operator)) {
        errors.add(new FieldError(at + ".operator", "must be Equal or Exists"));
      }
      Object effect = t.getValue("effect");
      if (effect != null
          && !Set.of("NoSchedule", "PreferNoSchedule", "NoExecute").contains(effect)) {
        errors.add(
            new FieldError(at + ".effect", "must be NoSchedule, PreferNoSchedule or NoExecute"));
      }
      for (String k : List.of("key", "value")) {
        if (t.getValue(k) != null && !(t.getValue(k) instanceof String)) {
          errors.add(new FieldError(at + "." + k, "must be a string"));
        }
      }
      Object seconds = t.getValue("tolerationSeconds");
      if (seconds != null && !wholeIn(seconds, 0, Integer.MAX_VALUE)) {
        errors.add(new FieldError(at + ".tolerationSeconds", "must be a whole number of seconds"));
      }
    }
  }

  private static boolean wholeIn(Object v, long min, long max) {
    return v instanceof Number n
        && n.doubleValue() == Math.rint(n.doubleValue())
        && n.longValue() >= min
        && n.longValue() <= max;
  }
}
